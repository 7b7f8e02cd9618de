"""What every step stands on: names for closed sets, findings, errors, text and numbers, dates, files and output sets, stopping, isolated workers."""
