"""MikroTik RouterOS API: a simulator speaking the real wire protocol, for tests and demos."""
