"""The vouchers area: hotspot vouchers, their profiles, agents and sales."""
