"""Small Qt building blocks shared by the feature packages."""
