"""Object storage for uploaded files: a local directory, or an S3-compatible bucket."""
