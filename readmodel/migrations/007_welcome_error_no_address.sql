-- welcome_emails.error kept an SMTP server's reply text, and servers quote the recipient
-- ("550 5.1.1 <ada@example.com>: Recipient address rejected"). The sender now keeps only
-- the refused command and the reply codes; what older releases wrote loses everything
-- shaped like an address (the log is kept for good, a forgotten person's address may not).
UPDATE welcome_emails
SET error = regexp_replace(error, '[^[:space:]<>",;:()\[\]]+@[^[:space:]<>"'',;:()\[\]]+', '<address removed>', 'g')
WHERE error LIKE '%@%';

---- create above / drop below ----
-- Nothing to put back: the addresses are gone for good.
