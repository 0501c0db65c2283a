"""The agency area over REST: media uploads (multipart) and downloads (streamed)."""
