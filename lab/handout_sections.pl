#!/usr/bin/perl
# handout_sections.pl - the parts of the handout that are generated from
# the code, so that the page and the code cannot disagree.
#
#   perl lab/handout_sections.pl --update lab/handout.md   rewrite them in place
#   perl lab/handout_sections.pl --check lab/handout.md    exit 1 if one is stale
#   perl lab/handout_sections.pl --print lab/handout.md    the page, renewed, on stdout
#
# A generated part sits between two comment lines:
#   <!-- generated: NAME (...) -->   and   <!-- end generated: NAME -->
# NAME is one of
#   grading        the grader's table of checks: `bash lab/check.sh --table`
#   compile-line   the grader's compile command, as a console block
use strict;
use warnings;

my ($mode, $file) = @ARGV;
defined $file && $mode =~ /^--(update|check|print)$/
	or die "usage: handout_sections.pl --update|--check|--print HANDOUT.md\n";
open my $fh, '<', $file or die "handout_sections.pl: $file: $!\n";
my $text = do { local $/; <$fh> };
close $fh;

sub generate {
	my ($name) = @_;
	if ($name eq 'grading') {
		my $t = `bash lab/check.sh --table`;
		$? == 0 or die "handout_sections.pl: lab/check.sh --table failed\n";
		return $t;
	}
	if ($name eq 'compile-line') {
		my $l = `bash lab/check.sh --compile-line`;
		$? == 0 or die "handout_sections.pl: lab/check.sh --compile-line failed\n";
		chomp $l;
		$l =~ s/PROG/\/tmp\/us/;
		$l =~ s/X\.c/unix_stream.c/;
		return "```{.console}\n\$ $l\n\$ /tmp/us server /tmp 1 &\n\$ /tmp/us client /tmp/unix_stream.sock Ann\n```\n";
	}
	die "handout_sections.pl: no generated part named '$name'\n";
}

my $stale = 0;
my $count = 0;
$text =~ s{(<!-- generated: ([\w-]+)[^\n]*-->\n)(.*?)(<!-- end generated: \2 -->)}{
	my ($open, $name, $old, $close) = ($1, $2, $3, $4);
	my $new = generate($name);
	$count++;
	if ($new ne $old) {
		$stale++;
		print STDERR "handout_sections.pl: the part '$name' of $file is stale\n" if $mode eq '--check';
	}
	"$open$new$close"
}gse;
$count > 0 or die "handout_sections.pl: no generated part in $file\n";
if ($mode eq '--print') { print $text; exit 0; }
if ($mode eq '--check') { exit($stale ? 1 : 0); }
if ($stale) {
	open my $out, '>', "$file.tmp" or die "handout_sections.pl: $file.tmp: $!\n";
	print $out $text;
	close $out;
	rename "$file.tmp", $file or die "handout_sections.pl: rename: $!\n";
	print "handout_sections.pl: renewed $stale part(s) of $file\n";
}
