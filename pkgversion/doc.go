// Package pkgversion compares installed package versions the way each
// Linux package manager does, so that a vulnerability's fixed-in version
// means what the distribution meant by it:
//
//   - dpkg (Debian, Ubuntu): [epoch:]upstream[-revision], compared with
//     dpkg's verrevcmp: non-digit runs by ASCII with letters before other
//     characters and '~' before everything, even the end of the string;
//     digit runs numerically.
//   - rpm (RHEL, Rocky, AlmaLinux, Fedora, SUSE): [epoch:]version[-release],
//     each part compared with rpm's rpmvercmp: alphanumeric segments, digits
//     newer than letters, '~' older than anything, '^' newer than the end
//     but older than any other segment.
//   - apk (Alpine): apk-tools' version.c tokens: numbers, one letter,
//     _alpha/_beta/_pre/_rc (older) and _cvs/_svn/_git/_hg/_p (newer)
//     suffixes, and -rN revisions.
//
// Every function here is pure, allocation-light and safe for concurrent
// use. Compare answers -1, 0 or +1 and never panics, whatever the input: a
// string that is not a valid version still gets a total order (the
// algorithms are defined on any byte string), and Valid says whether a
// version parses under the ecosystem's rules.
package pkgversion
