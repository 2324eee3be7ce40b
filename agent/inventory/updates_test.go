package inventory

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/monsys/monsys/wire"
)

func updatesByName(us []wire.Update) map[string]wire.Update {
	out := map[string]wire.Update{}
	for _, u := range us {
		out[u.Name] = u
	}
	return out
}

// TestAptUpdatesFromListsAndSecuritySuite: a Debian root's dpkg status
// against its apt lists; only a -security list makes an update a security
// one, and only when it offers more than is installed.
func TestAptUpdatesFromListsAndSecuritySuite(t *testing.T) {
	items, err := collectUpdates(context.Background(), Source{Root: "testdata/updates/debian"})
	if err != nil {
		t.Fatal(err)
	}
	got := updatesByName(items.([]wire.Update))
	curl := got["libcurl4"]
	if curl.Available != "7.88.1-10+deb12u8" || !curl.Security || curl.Installed != "7.88.1-10+deb12u1" || curl.Manager != "dpkg" ||
		curl.Repository != "deb.debian.org_debian_dists_bookworm_main_binary-amd64" {
		t.Errorf("libcurl4 = %+v", curl)
	}
	if ssh := got["openssh-server"]; ssh.Available != "1:9.2p1-2+deb12u3" || ssh.Security {
		t.Errorf("openssh-server = %+v (the security list offers only the installed version)", ssh)
	}
	if tz := got["tzdata"]; tz.Available != "2025b-0+deb12u1" || tz.Security {
		t.Errorf("tzdata = %+v", tz)
	}
	if _, ok := got["bash"]; ok || len(got) != 3 {
		t.Errorf("updates = %+v", got)
	}
}

func writeGzip(t *testing.T, path string, body []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestApkUpdatesFromCachedIndex(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "lib/apk/db"), 0o755); err != nil {
		t.Fatal(err)
	}
	installed := "P:libssl3\nV:3.1.4-r5\nA:x86_64\no:openssl\n\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\n\n"
	if err := os.WriteFile(filepath.Join(root, "lib/apk/db/installed"), []byte(installed), 0o644); err != nil {
		t.Fatal(err)
	}
	index := "C:Q1abc=\nP:libssl3\nV:3.1.7-r1\nA:x86_64\no:openssl\n\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\n\n"
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for name, body := range map[string]string{"DESCRIPTION": "v3.19.4-1-g0\n", "APKINDEX": index} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	writeGzip(t, filepath.Join(root, "var/cache/apk/APKINDEX.5a59b88b.tar.gz"), tb.Bytes())
	items, err := collectUpdates(context.Background(), Source{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	got := items.([]wire.Update)
	if len(got) != 1 || got[0].Name != "libssl3" || got[0].Available != "3.1.7-r1" || got[0].Security || got[0].Repository != "APKINDEX.5a59b88b" {
		t.Errorf("apk updates = %+v", got)
	}
}

// TestRPMUpdatesFromRepodata: rpm -qa output against dnf's cached
// primary.xml.gz and updateinfo.xml.gz (the rpm database itself is only
// read on a live host, so the installed list comes from the fixture).
func TestRPMUpdatesFromRepodata(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "var/cache/dnf/baseos-a9dc3d7a1c5e3f21/repodata")
	writeGzip(t, filepath.Join(dir, "0f1e-primary.xml.gz"), []byte(`<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="3">
<package type="rpm"><name>openssl-libs</name><arch>x86_64</arch><version epoch="1" ver="3.0.7" rel="27.el9"/><summary>A general purpose cryptography library</summary></package>
<package type="rpm"><name>openssl-libs</name><arch>i686</arch><version epoch="1" ver="3.0.7" rel="28.el9"/></package>
<package type="rpm"><name>bash</name><arch>x86_64</arch><version epoch="0" ver="5.1.8" rel="9.el9"/></package>
<package type="rpm"><name>bash</name><arch>src</arch><version epoch="0" ver="5.1.8" rel="10.el9"/></package>
</metadata>`))
	writeGzip(t, filepath.Join(dir, "77aa-updateinfo.xml.gz"), []byte(`<?xml version="1.0" encoding="UTF-8"?>
<updates>
<update from="releng@rockylinux.org" status="final" type="security" version="2"><id>RLSA-2024:0310</id>
<pkglist><collection short="rocky-linux-9"><package name="openssl-libs" version="3.0.7" release="25.el9_3" epoch="1" arch="x86_64" src="openssl.src.rpm"><filename>openssl-libs.rpm</filename></package></collection></pkglist></update>
<update type="bugfix"><id>RLBA-2024:1</id><pkglist><collection><package name="bash" version="5.1.8" release="9.el9" epoch="0" arch="x86_64"/></collection></pkglist></update>
</updates>`))
	offers, err := rpmRepoOffers(Source{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	installed, err := ParsePackages("rpm", strings.NewReader("openssl-libs\t1:3.0.7-24.el9\tx86_64\nbash\t0:5.1.8-6.el9_1\tx86_64\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := updatesByName(pendingUpdates(installed, offers))
	if o := got["openssl-libs"]; o.Available != "1:3.0.7-27.el9" || !o.Security || o.Repository != "baseos" {
		t.Errorf("openssl-libs = %+v", o)
	}
	if b := got["bash"]; b.Available != "5.1.8-9.el9" || b.Security {
		t.Errorf("bash = %+v (a bugfix advisory is not security; src rpms are not offers)", b)
	}
}
