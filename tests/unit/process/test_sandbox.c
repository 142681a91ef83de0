// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for user/sandbox.c: flatpak and snap apps named by the systemd unit in a
 * cgroup path, and sandbox__identify() over a fake /proc tree (proc_fixture.h): the
 * cgroup file, its cache per cgroup id, and AppImages through the parent chain.
 */
#include "proc_fixture.h"

#include "process/sandbox.h"

#define SCOPE "/user.slice/user-1000.slice/user@1000.service/app.slice/"

/* Parse path and require exactly the given type and id (NULL type: none, app untouched). */
static void expect_unit(const char *path, int want_err, const char *type, const char *id)
{
	struct app_info app;

	memset(&app, 0, sizeof(app));
	assert_int_equal(sandbox__parse_unit(path, &app), want_err);
	if (!type) {
		assert_null(app.type);
		assert_string_equal(app.id, "");
		return;
	}
	assert_non_null(app.type);
	assert_string_equal(app.type, type);
	assert_string_equal(app.id, id);
	assert_string_equal(app.path, "");
}

static void test_flatpak_scope(void **state)
{
	(void)state;
	expect_unit(SCOPE "app-flatpak-com.tencent.WeChat-12345.scope", 0, "flatpak",
		    "com.tencent.WeChat");
	expect_unit("app-flatpak-org.gimp.GIMP-1.scope", 0, "flatpak", "org.gimp.GIMP");
}

static void test_flatpak_app_id_with_dashes(void **state)
{
	(void)state;
	expect_unit(SCOPE "app-flatpak-org.example.My-App-77.scope", 0, "flatpak",
		    "org.example.My-App");
	expect_unit("app-flatpak-a-b-c-9.scope", 0, "flatpak", "a-b-c");
}

static void test_snap_scope_and_service(void **state)
{
	(void)state;
	expect_unit("/system.slice/snap.wechat.wechat-1234abcd.scope", 0, "snap", "wechat");
	expect_unit("snap.lxd.daemon.service", 0, "snap", "lxd");
	expect_unit(SCOPE "snap.firefox.firefox-0f1e2d3c-aaaa-bbbb-cccc-0123456789ab.scope", 0,
		    "snap", "firefox");
}

static void test_unit_below_the_app_scope(void **state)
{
	(void)state;
	/* a sub-cgroup of the app's unit still belongs to the app */
	expect_unit("/system.slice/snap.docker.dockerd.service/moby/c0ffee", 0, "snap", "docker");
	expect_unit(SCOPE "app-flatpak-org.x.Y-3.scope/", 0, "flatpak", "org.x.Y");
	/* a malformed component does not hide a good one deeper down */
	expect_unit("/app-flatpak-.scope/app-flatpak-org.x.Y-3.scope", 0, "flatpak", "org.x.Y");
}

/*
 * Regression (fixed): sandbox.h says a cgroup path's last component is the unit and sandbox.c's loop says
 * "the innermost unit of the path names the app", but sandbox__parse_unit() returns the
 * first (outermost) component that parses: here snap "lxd", not flatpak "org.x.Y".
 */
static void test_innermost_unit_names_the_app(void **state)
{
	(void)state;
	expect_unit("/system.slice/snap.lxd.daemon.service/app-flatpak-org.x.Y-3.scope", 0,
		    "flatpak", "org.x.Y");
}

static void test_plain_session_is_no_app(void **state)
{
	(void)state;
	expect_unit("/user.slice/session-2.scope", -ENOENT, NULL, NULL);
	expect_unit(SCOPE "app-gnome-firefox-4242.scope", -ENOENT, NULL, NULL);
	expect_unit("/", -ENOENT, NULL, NULL);
	expect_unit("", -ENOENT, NULL, NULL);
	expect_unit(NULL, -ENOENT, NULL, NULL);
	expect_unit("/system.slice/snapd.service", -ENOENT, NULL, NULL);
	expect_unit("/system.slice/flatpak-system-helper.service", -ENOENT, NULL, NULL);
}

static void test_malformed_units(void **state)
{
	(void)state;
	expect_unit("app-flatpak-.scope", -ENOENT, NULL, NULL);
	expect_unit("app-flatpak-x", -ENOENT, NULL, NULL);
	expect_unit("app-flatpak-", -ENOENT, NULL, NULL);
	expect_unit("/x/app-flatpak-/y", -ENOENT, NULL, NULL);
	expect_unit("snap.", -ENOENT, NULL, NULL);
	expect_unit("snap..daemon.service", -ENOENT, NULL, NULL);
	expect_unit("snap.nodot", -ENOENT, NULL, NULL);
	expect_unit("/snap./x", -ENOENT, NULL, NULL);
}

static void test_overlong_component(void **state)
{
	char path[2048], id[300];

	(void)state;
	/* a unit longer than the parser's buffer is skipped, not copied */
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	snprintf(path, sizeof(path), "/s/app-flatpak-%s%s%s-1.scope", id, id, id);
	expect_unit(path, -ENOENT, NULL, NULL);
	/* an id that does not fit app.id (256) is refused; 255 bytes fit */
	snprintf(path, sizeof(path), "/s/app-flatpak-%.256s-1.scope", id);
	expect_unit(path, -ENOENT, NULL, NULL);
	snprintf(path, sizeof(path), "/s/app-flatpak-%.255s-1.scope", id);
	expect_unit(path, 0, "flatpak", id + sizeof(id) - 1 - 255);
	snprintf(path, sizeof(path), "/s/snap.%.256s.daemon.service", id);
	expect_unit(path, -ENOENT, NULL, NULL);
	snprintf(path, sizeof(path), "/s/snap.%.255s.daemon.service", id);
	expect_unit(path, 0, "snap", id + sizeof(id) - 1 - 255);
	/* and a long path of short components */
	for (size_t i = 0; i < sizeof(path) - 1; i++)
		path[i] = i % 2 ? 'a' : '/';
	path[sizeof(path) - 1] = '\0';
	expect_unit(path, -ENOENT, NULL, NULL);
}

/* A fake process with the given exe and parent, seeded into the fixture's table. */
static struct proc *spawn(struct fixture *fx, uint32_t pid, uint32_t ppid, const char *exe)
{
	struct fake f = fake_default(pid);

	f.ppid = ppid;
	f.exe = exe;
	write_fake(fx, &f);
	assert_int_equal(proctable__seed(fx->pt), 1);
	return proctable__get(fx->pt, pid);
}

static void identify(struct fixture *fx, const struct proc *p, struct app_info *app)
{
	struct sandbox *sb = sandbox__new(fx->root);

	assert_non_null(sb);
	sandbox__identify(sb, fx->pt, p, app);
	sandbox__free(sb);
}

static void test_identify_flatpak_from_cgroup_file(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = spawn(fx, 300, 1, "/app/bin/wechat");
	struct app_info app;
	static const char v2[] = "0::" SCOPE "app-flatpak-com.tencent.WeChat-12345.scope\n";

	p->cgroup_id = 0;
	put_file(fx, 300, "cgroup", v2, sizeof(v2) - 1);
	identify(fx, p, &app);
	assert_string_equal(app.type, "flatpak");
	assert_string_equal(app.id, "com.tencent.WeChat");
	assert_string_equal(app.path, "");
}

static void test_identify_snap_on_hybrid_cgroups(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = spawn(fx, 301, 1, "/snap/firefox/1/usr/lib/firefox/firefox");
	struct app_info app;
	static const char v1[] = "12:pids:/user.slice\n1:name=systemd:" SCOPE
				 "snap.firefox.firefox-1a2b.scope\n0::/\n";

	p->cgroup_id = 0;
	put_file(fx, 301, "cgroup", v1, sizeof(v1) - 1);
	identify(fx, p, &app);
	assert_string_equal(app.type, "snap");
	assert_string_equal(app.id, "firefox");
}

static void test_identify_cached_per_cgroup_id(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = spawn(fx, 302, 1, "/app/bin/gimp");
	struct sandbox *sb = sandbox__new(fx->root);
	struct app_info app;
	static const char flatpak[] = "0::" SCOPE "app-flatpak-org.gimp.GIMP-7.scope\n";
	static const char plain[] = "0::/user.slice/session-2.scope\n";

	assert_non_null(sb);
	p->cgroup_id = 77;
	put_file(fx, 302, "cgroup", S(flatpak));
	sandbox__identify(sb, fx->pt, p, &app);
	assert_string_equal(app.id, "org.gimp.GIMP");
	/* the same cgroup id: the file is not read again */
	put_file(fx, 302, "cgroup", S(plain));
	sandbox__identify(sb, fx->pt, p, &app);
	assert_string_equal(app.type, "flatpak");
	assert_string_equal(app.id, "org.gimp.GIMP");
	/* another id reads the file, and its negative answer is cached too */
	p->cgroup_id = 78;
	sandbox__identify(sb, fx->pt, p, &app);
	assert_null(app.type);
	put_file(fx, 302, "cgroup", S(flatpak));
	sandbox__identify(sb, fx->pt, p, &app);
	assert_null(app.type);
	sandbox__free(sb);
}

static void test_identify_appimage_through_parent(void **state)
{
	struct fixture *fx = *state;
	struct app_info app;
	const struct proc *p;

	spawn(fx, 100, 1, "/home/ada/Apps/Krita-5.2.AppImage");
	p = spawn(fx, 200, 100, "/tmp/.mount_KritaAbC/usr/bin/krita");
	identify(fx, p, &app);
	assert_string_equal(app.type, "appimage");
	assert_string_equal(app.id, "Krita-5.2.AppImage");
	assert_string_equal(app.path, "/home/ada/Apps/Krita-5.2.AppImage");
}

static void test_identify_appimage_ancestors_bounded(void **state)
{
	struct fixture *fx = *state;
	struct app_info app;
	const struct proc *p[6];

	p[0] = spawn(fx, 100, 1, "/opt/Tool.appimage");
	for (uint32_t i = 1; i < 6; i++)
		p[i] = spawn(fx, 100 + i, 100 + i - 1, "/tmp/.mount_Tool1/AppRun");
	/* four ancestors are looked at: 104 finds 100, 105 does not */
	identify(fx, p[4], &app);
	assert_string_equal(app.type, "appimage");
	assert_string_equal(app.id, "Tool.appimage");
	identify(fx, p[5], &app);
	assert_null(app.type);
	assert_string_equal(app.id, "");
}

static void test_identify_appimage_run_directly(void **state)
{
	struct fixture *fx = *state;
	const struct proc *p = spawn(fx, 400, 1, "/home/ada/WeChat.APPIMAGE");
	struct app_info app;

	identify(fx, p, &app);
	assert_string_equal(app.type, "appimage");
	assert_string_equal(app.id, "WeChat.APPIMAGE");
	assert_string_equal(app.path, "/home/ada/WeChat.APPIMAGE");
}

/* Two images whose names begin alike share /tmp/.mount_WeChat...: the mount table tells them apart. */
static void test_identify_appimage_by_its_mount(void **state)
{
	struct fixture *fx = *state;
	struct app_info app;
	const struct proc *p;
	static const char mounts[] =
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		"90 22 0:50 / /tmp/.mount_WeChatAbCdEf ro,nosuid,nodev shared:70 - "
		"fuse.WeChatLinux_x86_64.AppImage WeChatLinux_x86_64.AppImage ro,user_id=1000\n"
		"91 22 0:51 / /tmp/.mount_WeChatAbC ro,nosuid,nodev shared:71 - "
		"fuse.WeChat-Notes.AppImage WeChat-Notes.AppImage ro,user_id=1000\n"
		"92 22 0:52 / /tmp/.mount_My\\040ApXyZ ro shared:72 - fuse.My\\040App.AppImage "
		"My\\040App.AppImage ro\n";

	/* the runtime that mounted it has exec'd AppRun: no ancestor runs the image any more */
	p = spawn(fx, 600, 1, "/tmp/.mount_WeChatAbC/usr/bin/wechat-notes");
	put_file(fx, 600, "mountinfo", S(mounts));
	identify(fx, p, &app);
	assert_string_equal(app.type, "appimage");
	assert_string_equal(app.id, "WeChat-Notes.AppImage");
	assert_string_equal(app.path, "");
	p = spawn(fx, 601, 1, "/tmp/.mount_WeChatAbCdEf/opt/wechat/wechat");
	put_file(fx, 601, "mountinfo", S(mounts));
	identify(fx, p, &app);
	assert_string_equal(app.id, "WeChatLinux_x86_64.AppImage");
	/* escaped spaces are decoded; an ancestor running that image gives its path */
	spawn(fx, 602, 1, "/home/ada/My App.AppImage");
	p = spawn(fx, 603, 602, "/tmp/.mount_My ApXyZ/AppRun");
	put_file(fx, 603, "mountinfo", S(mounts));
	identify(fx, p, &app);
	assert_string_equal(app.id, "My App.AppImage");
	assert_string_equal(app.path, "/home/ada/My App.AppImage");
	/* a mount the table does not have: no image named from it, nor from a stranger */
	p = spawn(fx, 604, 602, "/tmp/.mount_Other1/AppRun");
	put_file(fx, 604, "mountinfo", S(mounts));
	identify(fx, p, &app);
	assert_null(app.type);
	/* gone already (a short-lived program): its parent's table, the same namespace's */
	spawn(fx, 605, 1, "/usr/bin/bash");
	put_file(fx, 605, "mountinfo", S(mounts));
	p = spawn(fx, 606, 605, "/tmp/.mount_WeChatAbC/usr/bin/wechat-notes");
	identify(fx, p, &app);
	assert_string_equal(app.id, "WeChat-Notes.AppImage");
}

static void test_identify_plain_process_is_no_app(void **state)
{
	struct fixture *fx = *state;
	struct proc *p = spawn(fx, 500, 1, "/usr/bin/bash");
	struct app_info app;
	static const char plain[] = "0::/user.slice/user-1000.slice/session-2.scope\n";

	p->cgroup_id = 0;
	put_file(fx, 500, "cgroup", S(plain));
	memset(&app, 0x5a, sizeof(app));
	identify(fx, p, &app);
	assert_null(app.type);
	assert_string_equal(app.id, "");
	assert_string_equal(app.path, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flatpak_scope),
		cmocka_unit_test(test_flatpak_app_id_with_dashes),
		cmocka_unit_test(test_snap_scope_and_service),
		cmocka_unit_test(test_unit_below_the_app_scope),
		cmocka_unit_test(test_innermost_unit_names_the_app),
		cmocka_unit_test(test_plain_session_is_no_app),
		cmocka_unit_test(test_malformed_units),
		cmocka_unit_test(test_overlong_component),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_identify_flatpak_from_cgroup_file),
		T(test_identify_snap_on_hybrid_cgroups),
		T(test_identify_cached_per_cgroup_id),
		T(test_identify_appimage_through_parent),
		T(test_identify_appimage_ancestors_bounded),
		T(test_identify_appimage_run_directly),
		T(test_identify_appimage_by_its_mount),
		T(test_identify_plain_process_is_no_app),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
