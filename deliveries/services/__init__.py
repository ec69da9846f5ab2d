"""Deliveries' writes, one module per job: `lifecycle` (open, assign, report, follow the order),
`proofs` (proof of delivery)."""
