#!/usr/bin/perl
# quiz.pl - the lab's quiz, in a terminal (`make quiz`).
#
#   perl lab/quiz.pl                  ask every question, grade each answer
#   perl lab/quiz.pl --answers FILE   grade a file of answers, one per line:
#                                     "NN LETTER" (e.g. "03 b"; # comments)
#   perl lab/quiz.pl --key            the answer key, in that same form
#   perl lab/quiz.pl --key-md         the answer key for instructors, in
#                                     Markdown: each question, its right
#                                     answer and why
#
# The questions are the files lab/quiz/NN-name.md, one per question: a
# "# title", the question, then the answers as a list, "- [x]" for the right
# one and "- [ ]" for the others, each followed by its feedback on a line
# "  > ...".  The key is read from the same files, so the two cannot drift.
# Exit status: 0 if every answer is right, 1 if not, 2 on a usage error or a
# malformed question file.
use strict;
use warnings;
use File::Basename qw(dirname);

my $dir = dirname(__FILE__) . "/quiz";
my @questions = load($dir);

my $mode = shift @ARGV // "";
if ($mode eq "--key") {
	printf "%s %s\n", $_->{id}, letter($_->{right}) for @questions;
	exit 0;
}
if ($mode eq "--key-md") {
	print "# IPC lab: the quiz's answer key (for instructors)\n\n";
	print "Made by `perl lab/quiz.pl --key-md` from lab/quiz/*.md.\n\n";
	for my $q (@questions) {
		my $a = $q->{answers}[$q->{right}];
		print "$q->{id}. **$q->{title}.** $q->{text}\n\n";
		print "   Answer ", letter($q->{right}), ": $a->{text} $a->{feedback}\n\n";
	}
	exit 0;
}
my %given;
my $interactive = 1;
if ($mode eq "--answers") {
	my $file = shift @ARGV or usage();
	open my $fh, '<', $file or die "quiz.pl: $file: $!\n";
	while (<$fh>) {
		s/#.*//;
		next unless /\S/;
		/^\s*(\d+)\s+([a-z])\s*$/ or die "quiz.pl: $file line $.: want \"NN LETTER\", got: $_";
		$given{sprintf "%02d", $1} = $2;
	}
	$interactive = 0;
} elsif ($mode ne "") {
	usage();
}

my ($score, $n) = (0, scalar @questions);
for my $q (@questions) {
	my @a = @{$q->{answers}};
	my $choice;
	if ($interactive) {
		print "\n$q->{id}/$n. $q->{title}\n\n", wrap($q->{text}, ""), "\n";
		printf "  %s) %s", letter($_), wrap($a[$_]{text}, "     ") =~ s/^\s+//r for 0 .. $#a;
		while (1) {
			print "\nyour answer (", join("/", map { letter($_) } 0 .. $#a), ", s to skip, q to quit): ";
			my $line = <STDIN>;
			if (!defined $line) { print "\n"; last; }
			$line =~ s/\s+//g;
			print "$line\n" unless -t STDIN;   # answers from a pipe: show them
			last if $line eq "q";
			if ($line eq "s") { $choice = ""; last; }
			if ($line =~ /^[a-z]$/ && ord($line) - 97 <= $#a) { $choice = $line; last; }
			print "  (one of the letters, please)";
		}
		last unless defined $choice;
	} else {
		$choice = $given{$q->{id}} // "";
		$choice = "" if $choice ne "" && ord($choice) - 97 > $#a;
	}
	my $right = letter($q->{right});
	if ($choice eq "") {
		print "$q->{id} $q->{title}: no answer (right: $right)\n" unless $interactive;
		print "  skipped; the right answer is $right: $a[$q->{right}]{feedback}\n" if $interactive;
		next;
	}
	my $picked = $a[ord($choice) - 97];
	if ($choice eq $right) {
		$score++;
		print $interactive ? "" : "$q->{id} $q->{title}: $choice, right\n";
	} else {
		print $interactive ? "  Not this one (the right answer is $right).\n"
			: "$q->{id} $q->{title}: $choice, wrong (right: $right)\n";
	}
	print $interactive ? wrap($picked->{feedback}, "  ")
		: "  feedback: $picked->{feedback}\n";
}
printf "\nscore: %d/%d (%d %%)\n", $score, $n, $n ? 100 * $score / $n : 0;
exit($score == $n ? 0 : 1);

sub usage { print STDERR "usage: quiz.pl [--answers FILE | --key | --key-md]\n"; exit 2; }
sub letter { chr(97 + $_[0]) }

# Plain text for a terminal: code spans lose their backquotes; lines of at
# most 76 columns.
sub wrap {
	my ($text, $indent) = @_;
	$text =~ s/`([^`]*)`/$1/g;
	my ($out, $line) = ("", $indent);
	for my $w (split /\s+/, $text) {
		if (length($line) + length($w) > 76 && $line =~ /\S/) { $out .= "$line\n"; $line = $indent; }
		$line .= ($line =~ /\S$/ ? " " : "") . $w;
	}
	return "$out$line\n";
}

sub load {
	my ($d) = @_;
	my @files = sort glob("$d/[0-9][0-9]-*.md");
	@files or do { print STDERR "quiz.pl: no questions in $d\n"; exit 2 };
	my @qs;
	for my $f (@files) {
		open my $fh, '<', $f or die "quiz.pl: $f: $!\n";
		my @lines = <$fh>;
		chomp @lines;
		my ($id) = $f =~ m{/(\d\d)-[^/]*\.md$};
		my $q = { id => $id, file => $f, answers => [], text => "" };
		my $bad = sub { print STDERR "quiz.pl: $f: $_[0]\n"; exit 2 };
		for my $l (@lines) {
			if (!defined $q->{title}) {
				next unless $l =~ /\S/;
				$l =~ /^# (.+)$/ or $bad->("the first line must be \"# title\"");
				$q->{title} = $1;
			} elsif ($l =~ /^- \[([ x])\] (.+)$/) {
				push @{$q->{answers}}, { right => $1 eq "x", text => $2, feedback => "" };
			} elsif ($l =~ /^  > (.+)$/) {
				@{$q->{answers}} or $bad->("feedback before any answer");
				my $a = $q->{answers}[-1];
				$a->{feedback} .= ($a->{feedback} eq "" ? "" : " ") . $1;
			} elsif (@{$q->{answers}}) {
				$l =~ /\S/ and $bad->("after the answers, only their feedback: $l");
			} else {
				$q->{text} .= ($q->{text} eq "" || $l eq "" ? "" : " ") . $l if $l =~ /\S/;
			}
		}
		my @right = grep { $q->{answers}[$_]{right} } 0 .. $#{$q->{answers}};
		@{$q->{answers}} >= 2 or $bad->("fewer than two answers");
		@right == 1 or $bad->("exactly one answer must be marked [x], not " . scalar @right);
		grep { $_->{feedback} eq "" } @{$q->{answers}} and $bad->("an answer without feedback");
		$q->{right} = $right[0];
		push @qs, $q;
	}
	return @qs;
}
