#!/usr/bin/perl
# Classifies every DSN file given on the command line with Sisimai (Debian libsisimai-perl) and
# prints one JSON object per line: recipient, reason, softbounce, deliverystatus, diagnosticcode.
use strict;
use warnings;
use Sisimai;
use JSON::PP;

my $json = JSON::PP->new->canonical;
for my $path (@ARGV) {
  my $found = Sisimai->make($path, delivered => 1) || [];
  for my $d (@$found) {
    print $json->encode({
      file           => $path,
      recipient      => $d->recipient->address,
      reason         => $d->reason,
      softbounce     => $d->softbounce + 0,
      action         => $d->action // '',
      deliverystatus => $d->deliverystatus // '',
      diagnosticcode => $d->diagnosticcode // '',
    }), "\n";
  }
}
