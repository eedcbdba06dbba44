"""The image grid: its model, view, thumbnails, image cache and filter bar."""
