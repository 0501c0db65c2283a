"""The identity area's adapters: argon2 password hashes, signed tokens, the notices that tell
every process of an ended session, and the read models of people, sessions and teams."""
