"""The question bank: its questions, its file formats (CSV/XLSX, Moodle GIFT and Aiken) and the law's text.

No Flask here."""
