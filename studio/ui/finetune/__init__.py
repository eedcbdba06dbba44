"""Fine-tuning in the app: controller, credentials, sign-in, service settings."""
