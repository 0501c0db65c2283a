"""What auditors need from the event stream: exports, replay verification, the hash chain."""
