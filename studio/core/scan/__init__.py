"""Finding a project's images on disk and keeping the store in step with the folders."""
