"""What comes in: the receipts book, mail files and IMAP mailboxes."""
