#!/usr/bin/env python3
"""gen-rules.py [N] - print a scenario of N rules (default 100) that the benchmark traffic
(smtp-source: HELO, MAIL FROM:<from@example.com>, RCPT TO:<to@example.com>, a plain body)
never matches, so every event walks every rule of its kind and then gets the normal reply.

Mix: rcpt patterns on other domains (most rules), mail patterns, a few header and body
regular expressions at `message` (RE2 over the whole 1 KiB or 100 KiB message)."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
out = ['name = "bench-100-rules"',
       f'description = "{n} rules the benchmark traffic never matches (rcpt/mail patterns, header/body regexes)"',
       'seed = 1', '']
regex_rules = [
    ('header.Subject', 're:(?i)\\\\b(viagra|casino|lottery|winner)\\\\b'),
    ('header.X-Spam-Flag', 'yes'),
    ('body', 're:(?i)(click here to claim|wire transfer urgently)'),
    ('body', 're:[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}'),
    ('header.From', 're:(?i)@(spam|junk)\\\\.example$'),
]
mail_rules = 10
for i in range(n):
    out.append('[[rule]]')
    if i < len(regex_rules):
        key, value = regex_rules[i]
        out += ['on = "message"', f'{key} = "{value}"',
                f'reply = "554 5.7.1 bench rule {i}: content rejected"']
    elif i < len(regex_rules) + mail_rules:
        out += ['on = "mail"', f'from = "*@sender{i}.invalid"',
                f'reply = "553 5.7.1 <{{from}}>: bench rule {i}: sender rejected"']
    else:
        out += ['on = "rcpt"', f'rcpt = "*@domain{i}.invalid"',
                f'reply = "550 5.1.1 <{{rcpt}}>: bench rule {i}: user unknown"']
    out.append('')
sys.stdout.write('\n'.join(out))
