"""What htsd writes for people: the report (Markdown, Word, PDF), the summary workbook, reminders, annotated copies, the form sheet and its formulas."""
