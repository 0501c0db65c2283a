"""The identity area's read models: people with their memberships, their sessions, and the
invitations to join a business."""
