"""End-to-end checks of the notebook view in a real JupyterLab 4 and Notebook 7 page (headless Chromium)."""
