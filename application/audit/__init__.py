"""The audit area: time travel, replay, the hash chain and exports."""
