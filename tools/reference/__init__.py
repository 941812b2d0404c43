"""Scripts that regenerate the stored reference numbers from the official packages (see README.md here)."""
