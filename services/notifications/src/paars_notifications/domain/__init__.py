"""Pure prompt rules, delivery policy, signing and resilience: no I/O."""
