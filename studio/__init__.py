"""Vision Fine-Tuning Studio: curate image-classification datasets and fine-tune vision models.

The version lives here and only here; pyproject.toml, the CLI, the GUI's About box and the packaged
executable all read it from this attribute.
"""

__version__ = "0.1.0"
APP_NAME = "Vision Fine-Tuning Studio"
APP_ID = "vision-finetune-studio"
ORG_NAME = "VisionStudio"
