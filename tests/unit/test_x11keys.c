/* The pure parts of the X11 keyboard: XT scan codes to evdev codes, the
 * keysym <-> Unicode tables, and the LRU of spare keycodes. */
#include <linux/input-event-codes.h>
#include <X11/keysym.h>

#include "x11/keysyms.h"
#include "x11/spares.h"
#include "x11/xtkeys.h"

#include "unit.h"

static void test_xt_single_byte(void)
{
	CHECK_EQ(x11_xt_to_evdev(0x01), KEY_ESC);
	CHECK_EQ(x11_xt_to_evdev(0x02), KEY_1);
	CHECK_EQ(x11_xt_to_evdev(0x0e), KEY_BACKSPACE);
	CHECK_EQ(x11_xt_to_evdev(0x10), KEY_Q);
	CHECK_EQ(x11_xt_to_evdev(0x1c), KEY_ENTER);
	CHECK_EQ(x11_xt_to_evdev(0x1d), KEY_LEFTCTRL);
	CHECK_EQ(x11_xt_to_evdev(0x2a), KEY_LEFTSHIFT);
	CHECK_EQ(x11_xt_to_evdev(0x2b), KEY_BACKSLASH);
	CHECK_EQ(x11_xt_to_evdev(0x38), KEY_LEFTALT);
	CHECK_EQ(x11_xt_to_evdev(0x39), KEY_SPACE);
	CHECK_EQ(x11_xt_to_evdev(0x3a), KEY_CAPSLOCK);
	CHECK_EQ(x11_xt_to_evdev(0x44), KEY_F10);
	CHECK_EQ(x11_xt_to_evdev(0x45), KEY_NUMLOCK);
	CHECK_EQ(x11_xt_to_evdev(0x46), KEY_SCROLLLOCK);
	CHECK_EQ(x11_xt_to_evdev(0x4f), KEY_KP1);
	CHECK_EQ(x11_xt_to_evdev(0x53), KEY_KPDOT);
	CHECK_EQ(x11_xt_to_evdev(0x54), KEY_SYSRQ);
	CHECK_EQ(x11_xt_to_evdev(0x56), KEY_102ND);
	CHECK_EQ(x11_xt_to_evdev(0x57), KEY_F11);
	CHECK_EQ(x11_xt_to_evdev(0x58), KEY_F12);
	CHECK_EQ(x11_xt_to_evdev(0x73), KEY_RO);
	CHECK_EQ(x11_xt_to_evdev(0x7d), KEY_YEN);
}

static void test_xt_extended(void)
{
	CHECK_EQ(x11_xt_to_evdev(0x9c), KEY_KPENTER);
	CHECK_EQ(x11_xt_to_evdev(0x9d), KEY_RIGHTCTRL);
	CHECK_EQ(x11_xt_to_evdev(0xb5), KEY_KPSLASH);
	CHECK_EQ(x11_xt_to_evdev(0xb7), KEY_SYSRQ);
	CHECK_EQ(x11_xt_to_evdev(0xb8), KEY_RIGHTALT);
	CHECK_EQ(x11_xt_to_evdev(0xc6), KEY_PAUSE);
	CHECK_EQ(x11_xt_to_evdev(0xc7), KEY_HOME);
	CHECK_EQ(x11_xt_to_evdev(0xc8), KEY_UP);
	CHECK_EQ(x11_xt_to_evdev(0xc9), KEY_PAGEUP);
	CHECK_EQ(x11_xt_to_evdev(0xcb), KEY_LEFT);
	CHECK_EQ(x11_xt_to_evdev(0xcd), KEY_RIGHT);
	CHECK_EQ(x11_xt_to_evdev(0xcf), KEY_END);
	CHECK_EQ(x11_xt_to_evdev(0xd0), KEY_DOWN);
	CHECK_EQ(x11_xt_to_evdev(0xd1), KEY_PAGEDOWN);
	CHECK_EQ(x11_xt_to_evdev(0xd2), KEY_INSERT);
	CHECK_EQ(x11_xt_to_evdev(0xd3), KEY_DELETE);
	CHECK_EQ(x11_xt_to_evdev(0xdb), KEY_LEFTMETA);
	CHECK_EQ(x11_xt_to_evdev(0xdc), KEY_RIGHTMETA);
	CHECK_EQ(x11_xt_to_evdev(0xdd), KEY_COMPOSE);
	CHECK_EQ(x11_xt_to_evdev(0xa0), KEY_MUTE);
	CHECK_EQ(x11_xt_to_evdev(0xae), KEY_VOLUMEDOWN);
	CHECK_EQ(x11_xt_to_evdev(0xb0), KEY_VOLUMEUP);
}

static void test_xt_unknown(void)
{
	CHECK_EQ(x11_xt_to_evdev(0), 0);
	CHECK_EQ(x11_xt_to_evdev(0x80), 0); /* a bare prefix */
	CHECK_EQ(x11_xt_to_evdev(0xe0), 0);
	CHECK_EQ(x11_xt_to_evdev(0xaa), 0); /* e0 2a: fake shift */
	CHECK_EQ(x11_xt_to_evdev(0x100), 0);
	CHECK_EQ(x11_xt_to_evdev(0x1c1), 0); /* 0x41 with junk above */
	CHECK_EQ(x11_xt_to_evdev(0xffffffffu), 0);
}

/* Every code maps to a distinct key an evdev X server numbers (evdev + 8
 * <= 255), Print's two codes excepted. */
static void test_xt_table_sane(void)
{
	int seen[256] = { 0 };
	int known = 0;

	for (uint32_t xt = 0; xt < 256; xt++) {
		unsigned ev = x11_xt_to_evdev(xt);

		if (!ev)
			continue;
		known++;
		if (!CHECKF(ev + 8 <= 255, "xt 0x%x -> evdev %u", xt, ev))
			continue;
		if (ev != KEY_SYSRQ)
			CHECKF(!seen[ev], "xt 0x%x and 0x%x both -> evdev %u",
			       seen[ev], xt, ev);
		seen[ev] = (int)xt;
	}
	CHECKF(known > 130, "only %d XT codes known", known);
}

static void test_keysym_to_ucs(void)
{
	CHECK_EQ(x11_keysym_to_ucs('a'), 'a');
	CHECK_EQ(x11_keysym_to_ucs(XK_adiaeresis), 0xe4);
	CHECK_EQ(x11_keysym_to_ucs(XK_ssharp), 0xdf);
	CHECK_EQ(x11_keysym_to_ucs(0x01000000 + 0x41f), 0x41f);
	CHECK_EQ(x11_keysym_to_ucs(0x01000000 + 0x1f600), 0x1f600);
	CHECK_EQ(x11_keysym_to_ucs(0x01000000 + 'a'), 'a');
	/* Across the legacy table, first to last. */
	CHECK_EQ(x11_keysym_to_ucs(XK_Aogonek), 0x104);
	CHECK_EQ(x11_keysym_to_ucs(XK_lstroke), 0x142);
	CHECK_EQ(x11_keysym_to_ucs(XK_kana_A), 0x30a2);
	CHECK_EQ(x11_keysym_to_ucs(XK_Arabic_alef), 0x627);
	CHECK_EQ(x11_keysym_to_ucs(XK_Cyrillic_pe), 0x43f);
	CHECK_EQ(x11_keysym_to_ucs(XK_Cyrillic_PE), 0x41f);
	CHECK_EQ(x11_keysym_to_ucs(XK_Greek_alpha), 0x3b1);
	CHECK_EQ(x11_keysym_to_ucs(0x8fb), 0x2190); /* leftarrow */
	CHECK_EQ(x11_keysym_to_ucs(0xaa9), 0x2014); /* emdash */
	CHECK_EQ(x11_keysym_to_ucs(XK_hebrew_aleph), 0x5d0);
	CHECK_EQ(x11_keysym_to_ucs(XK_Thai_kokai), 0xe01);
	CHECK_EQ(x11_keysym_to_ucs(XK_Hangul_Kiyeog), 0x3131);
	CHECK_EQ(x11_keysym_to_ucs(XK_EuroSign), 0x20ac);
	/* Not characters. */
	CHECK_EQ(x11_keysym_to_ucs(XK_F1), 0);
	CHECK_EQ(x11_keysym_to_ucs(XK_Shift_L), 0);
	CHECK_EQ(x11_keysym_to_ucs(XK_dead_acute), 0);
	CHECK_EQ(x11_keysym_to_ucs(XK_Return), 0);
	CHECK_EQ(x11_keysym_to_ucs(0x1e9e), 0); /* not a keysym */
	CHECK_EQ(x11_keysym_to_ucs(0x01000000 + 7), 0);
	CHECK_EQ(x11_keysym_to_ucs(0x01110000), 0);
}

static void test_ucs_to_keysym(void)
{
	CHECK_EQ(x11_ucs_to_keysym('A'), 'A');
	CHECK_EQ(x11_ucs_to_keysym(0xe4), XK_adiaeresis);
	CHECK_EQ(x11_ucs_to_keysym(0x43f), XK_Cyrillic_pe);
	CHECK_EQ(x11_ucs_to_keysym(0x41f), XK_Cyrillic_PE);
	CHECK_EQ(x11_ucs_to_keysym(0x20ac), XK_EuroSign);
	CHECK_EQ(x11_ucs_to_keysym(0x1f600), 0x0101f600);
	CHECK_EQ(x11_ucs_to_keysym(0x1e9e), 0x01001e9e);
}

/* Each legacy keysym with a character maps back to a keysym with the
 * same character: the table and its two lookups agree. */
static void test_keysym_round_trip(void)
{
	int n = 0;

	for (uint32_t ks = 0x100; ks <= 0xffff; ks++) {
		uint32_t ucs = x11_keysym_to_ucs(ks);

		if (!ucs)
			continue;
		n++;
		CHECKF(x11_keysym_to_ucs(x11_ucs_to_keysym(ucs)) == ucs,
		       "keysym 0x%x U+%04X", ks, ucs);
	}
	CHECKF(n > 700, "only %d legacy keysyms", n);
}

static void test_keysym_same(void)
{
	CHECK(x11_keysym_same(XK_Cyrillic_pe, 0x0100043f));
	CHECK(x11_keysym_same('a', 0x01000061));
	CHECK(x11_keysym_same(XK_EuroSign, 0x010020ac));
	CHECK(x11_keysym_same(XK_F1, XK_F1));
	CHECK(!x11_keysym_same(XK_Cyrillic_pe, XK_Cyrillic_PE));
	CHECK(!x11_keysym_same(XK_F1, XK_F2));
	CHECK(!x11_keysym_same(XK_F1, 0));
}

static void hold(uint8_t held[32], unsigned kc)
{
	held[kc / 8] |= (uint8_t)(1u << (kc % 8));
}

static void test_spares_lru(void)
{
	struct x11_spares s;
	uint8_t held[32] = { 0 };

	x11_spares_reset(&s);
	CHECK_EQ(x11_spares_victim(&s, held), 0);
	CHECK(x11_spares_bind(&s, 250, 'a'));
	CHECK(x11_spares_bind(&s, 251, 'b'));
	CHECK(x11_spares_bind(&s, 252, 'c'));
	CHECK_EQ(x11_spares_victim(&s, held), 250);
	x11_spares_touch(&s, 250);
	CHECK_EQ(x11_spares_victim(&s, held), 251);
	/* Rebinding is a use. */
	CHECK(x11_spares_bind(&s, 251, 'd'));
	CHECK_EQ(s.n, 3);
	CHECK_EQ(s.sym[x11_spares_find(&s, 251)], 'd');
	CHECK_EQ(x11_spares_victim(&s, held), 252);
	/* A held key is never taken away from under the finger. */
	hold(held, 252);
	CHECK_EQ(x11_spares_victim(&s, held), 250);
	hold(held, 250);
	hold(held, 251);
	CHECK_EQ(x11_spares_victim(&s, held), 0);
	x11_spares_touch(&s, 99); /* not ours: nothing happens */
	CHECK_EQ(x11_spares_find(&s, 99), -1);
}

static void test_spares_full_and_remove(void)
{
	struct x11_spares s;
	uint8_t held[32] = { 0 };

	x11_spares_reset(&s);
	for (unsigned i = 0; i < X11_SPARES_MAX; i++)
		CHECK(x11_spares_bind(&s, 100 + i, 0x100 + i));
	CHECK(!x11_spares_bind(&s, 200, 'x'));
	CHECK(!x11_spares_bind(&s, 300, 'x')); /* no such keycode */
	CHECK_EQ(s.n, X11_SPARES_MAX);
	x11_spares_remove(&s, 100);
	CHECK_EQ(s.n, X11_SPARES_MAX - 1);
	CHECK_EQ(x11_spares_find(&s, 100), -1);
	CHECK_EQ(x11_spares_victim(&s, held), 101);
	/* The slot that moved into the gap keeps its keysym and age. */
	CHECK_EQ(s.sym[x11_spares_find(&s, 100 + X11_SPARES_MAX - 1)],
		 0x100 + X11_SPARES_MAX - 1);
	CHECK(x11_spares_bind(&s, 200, 'x'));
	CHECK_EQ(x11_spares_victim(&s, held), 101);
}

/* Ages survive the clock wrapping around. */
static void test_spares_clock_wrap(void)
{
	struct x11_spares s;
	uint8_t held[32] = { 0 };

	x11_spares_reset(&s);
	s.clock = UINT32_MAX - 1;
	x11_spares_bind(&s, 10, 'a'); /* used = UINT32_MAX */
	x11_spares_bind(&s, 11, 'b'); /* used = 0 */
	x11_spares_bind(&s, 12, 'c'); /* used = 1 */
	CHECK_EQ(x11_spares_victim(&s, held), 10);
	x11_spares_touch(&s, 10);
	CHECK_EQ(x11_spares_victim(&s, held), 11);
}

int main(void)
{
	UNIT_RUN(test_xt_single_byte);
	UNIT_RUN(test_xt_extended);
	UNIT_RUN(test_xt_unknown);
	UNIT_RUN(test_xt_table_sane);
	UNIT_RUN(test_keysym_to_ucs);
	UNIT_RUN(test_ucs_to_keysym);
	UNIT_RUN(test_keysym_round_trip);
	UNIT_RUN(test_keysym_same);
	UNIT_RUN(test_spares_lru);
	UNIT_RUN(test_spares_full_and_remove);
	UNIT_RUN(test_spares_clock_wrap);
	return UNIT_DONE();
}
