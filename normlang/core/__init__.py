"""What every stage shares: source text and spans, findings, options, did-you-mean, escaping, parallel work."""
