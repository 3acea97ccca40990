#!/usr/bin/perl
# test_handout.pl - keep the handout true (`make handout-test`).
#
#   perl lab/test_handout.pl lab/handout.md
#
# 1. Every command the handout shows in a ```console block exists: an
#    ipclab command answers --help, a make target is known to `make -n`, a
#    script is in the repository, any other program is on PATH.
# 2. Every ```{.console .check} block is run, command by command, with
#    bin/ first on PATH and a fresh IPCLAB_DIR, and each command's output
#    (stdout and stderr) must match the lines shown after it.  Placeholders:
#    <pid> <n> <port> digits, <tag> hex digits, <ms> a decimal number,
#    <dir> a path; a line "..." stands for any number of lines (output that
#    depends on timing).
# 3. Every link to a file of the repository leads to one.
# 4. Every code span (`...`) is on one source line.
# Prints one line per check and exits 1 if any failed.
use strict;
use warnings;

my $file = shift @ARGV or die "usage: test_handout.pl HANDOUT.md\n";
open my $fh, '<', $file or die "$file: $!\n";
my @lines = <$fh>;
close $fh;

my (@blocks, $cur);
for my $i (0 .. $#lines) {
	my $l = $lines[$i];
	if (!$cur && $l =~ /^```\s*(?:\{([^}]*)\}|(\w+))\s*$/) {
		my $attrs = defined $1 ? $1 : ".$2";
		$cur = { line => $i + 1, classes => $attrs, text => [] };
	} elsif ($cur && $l =~ /^```\s*$/) {
		push @blocks, $cur if $cur->{classes} =~ /(^|\s)\.console(\s|$)/;
		undef $cur;
	} elsif ($cur) {
		push @{$cur->{text}}, $l;
	}
}

my $fails = 0;
my $ran = 0;
sub fail { print "FAIL  $_[0]\n"; $fails++; }

# --- 1. every command exists -------------------------------------------------
my %keyword = map { $_ => 1 } qw(for do done if then fi while until export cd
	ulimit kill wait exec true false sleep echo printf);
my %seen;
for my $b (@blocks) {
	for my $l (@{$b->{text}}) {
		next unless $l =~ /^\$ (.*)$/;
		my $cmd = $1;
		$cmd =~ s/\s+#.*$//;
		for my $part (split /\s*(?:\|\||&&|\||;|(?<![>&0-9])&(?![>0-9]))\s*/, $cmd) {
			$part =~ s/^[\s(]+//;
			$part =~ s/^(?:\w+=\S*\s+)+//;          # VAR=value before a command
			my @w = split /\s+/, $part;
			next unless @w;
			my $prog = $w[0];
			next if $keyword{$prog} || $prog =~ m{^/tmp/} || $prog =~ /^\$/ || $prog =~ /^\w+=/;
			my $key = $prog eq 'ipclab' ? "ipclab $w[1]" : $prog eq 'make' ? "make @w[1..$#w]"
				: $prog eq 'bash' || $prog eq 'perl' ? "$prog $w[1]" : $prog;
			next if $seen{$key}++;
			my $ok;
			if ($prog eq 'ipclab') {
				$ok = system("bin/ipclab $w[1] --help >/dev/null 2>&1") == 0;
			} elsif ($prog eq 'make') {
				my @args = grep { !/^-/ } @w[1 .. $#w];
				$ok = system("make -n @args >/dev/null 2>&1") == 0;
			} elsif ($prog eq 'bash' || $prog eq 'perl') {
				$ok = -f $w[1] || $w[1] =~ /^-/;
			} elsif ($prog =~ m{/}) {
				$ok = -e $prog;
			} else {
				$ok = system("command -v $prog >/dev/null 2>&1") == 0;
			}
			$ok ? print("ok    command exists: $key\n") : fail("line $b->{line}: command not found or not valid: $key");
		}
	}
}

# --- code spans on one line ------------------------------------------------------
# A code span broken across two source lines renders with the line break
# (and the next line's indentation) inside the code: `max    255 bytes`.
{
	my ($fenced, $spans) = (0, 0);
	for my $i (0 .. $#lines) {
		if ($lines[$i] =~ /^\s*```/) { $fenced = !$fenced; next; }
		next if $fenced;
		my $n = () = $lines[$i] =~ /`/g;
		$spans += int($n / 2);
		fail("line " . ($i + 1) . ": a code span is broken across lines (keep it on one line)") if $n % 2;
	}
	print "ok    every code span is on one line ($spans spans)\n";
}

# --- links to files of the repository lead somewhere ----------------------------
(my $base = $file) =~ s{[^/]*$}{};
for my $i (0 .. $#lines) {
	while ($lines[$i] =~ /\]\(([^)#\s]+)(?:#[^)]*)?\)/g) {
		my $target = $1;
		next if $target =~ m{^[a-z]+:};   # http:, mailto:
		-e "$base$target" ? print("ok    link exists: $target\n")
			: fail("line " . ($i + 1) . ": link to a missing file: $target");
	}
}

# --- 2. every checked transcript matches ---------------------------------------
sub pattern {
	my @want = @_;
	my $re = '';
	for my $w (@want) {
		if ($w eq '...') { $re .= '(?:[^\n]*\n)*?'; next; }
		my $q = quotemeta $w;
		$q =~ s/\\<pid\\>/[0-9]+/g;
		$q =~ s/\\<n\\>/[0-9]+/g;
		$q =~ s/\\<port\\>/[0-9]+/g;
		$q =~ s/\\<tag\\>/[0-9a-f]+/g;
		$q =~ s/\\<ms\\>/[0-9]+(?:\\.[0-9]+)?/g;
		$q =~ s/\\<dir\\>/\/[^ ]*?/g;
		$re .= "$q\n";
	}
	return qr/\A$re\z/;
}

my $tmp = `mktemp -d`;
chomp $tmp;
$ENV{IPCLAB_DIR} = "$tmp/ipclab";
mkdir "$tmp/ipclab", 0700;
$ENV{D} = "$tmp/ipclab";
$ENV{PATH} = "$ENV{PWD}/bin:$ENV{PATH}";
for my $b (@blocks) {
	next unless $b->{classes} =~ /\.check\b/;
	my @t = map { my $x = $_; chomp $x; $x } @{$b->{text}};
	my $i = 0;
	while ($i < @t) {
		if ($t[$i] !~ /^\$ (.*)$/) { $i++; next; }
		my $cmd = $1;
		my @want;
		$i++;
		while ($i < @t && $t[$i] !~ /^\$ /) { push @want, $t[$i]; $i++; }
		# No descriptor of ours leaks into the command: its fd numbers are the
		# ones a student sees.
		my $close = 'for f in /proc/$$/fd/*; do f=${f##*/}; [ "$f" -gt 2 ] && eval "exec $f>&-"; done;';
		my $got = `timeout 30 bash -c '$close eval "\$0"' \Q$cmd\E 2>&1 </dev/null`;
		$ran++;
		if ($got =~ pattern(@want)) {
			print "ok    transcript line $b->{line}: \$ $cmd\n";
		} else {
			fail("transcript line $b->{line}: \$ $cmd\n--- expected\n" . join("\n", @want) . "\n--- got\n$got---");
		}
	}
}
system("rm", "-rf", $tmp);
print $fails ? "handout checks: $fails FAILED ($ran transcripts run)\n" : "handout checks: all passed ($ran transcripts run)\n";
exit($fails ? 1 : 0);
