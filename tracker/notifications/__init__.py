"""E-mail: a transactional outbox, delivery over SMTP (or caught to files), and a sent-ledger."""
