#include "x11/xtkeys.h"

#include <linux/input-event-codes.h>

/* The single-byte codes 0x01-0x53 are the evdev codes themselves: Linux
 * numbered its keys after the AT keyboard.  The rest are listed; they
 * follow the "qnum" column of QEMU's keycodemapdb, the table viewers
 * that send these events are built from. */
static const uint8_t xt_evdev[256] = {
	[0x54] = KEY_SYSRQ, /* Alt+Print */
	[0x55] = KEY_F16,
	[0x56] = KEY_102ND, /* the extra key left of Z on ISO boards */
	[0x57] = KEY_F11,
	[0x58] = KEY_F12,
	[0x59] = KEY_KPEQUAL,
	[0x5a] = KEY_F20,
	[0x5c] = KEY_KPJPCOMMA,
	[0x5d] = KEY_F13,
	[0x5e] = KEY_F14,
	[0x5f] = KEY_F15,
	[0x6d] = KEY_F23,
	[0x6f] = KEY_F24,
	[0x70] = KEY_KATAKANAHIRAGANA,
	[0x73] = KEY_RO,
	[0x74] = KEY_F21,
	[0x76] = KEY_ZENKAKUHANKAKU,
	[0x77] = KEY_HIRAGANA,
	[0x78] = KEY_KATAKANA,
	[0x79] = KEY_HENKAN,
	[0x7b] = KEY_MUHENKAN,
	[0x7d] = KEY_YEN,
	[0x7e] = KEY_KPCOMMA,
	/* 0xe0-prefixed */
	[0x83] = KEY_F17,
	[0x84] = KEY_F19,
	[0x90] = KEY_PREVIOUSSONG,
	[0x99] = KEY_NEXTSONG,
	[0x9c] = KEY_KPENTER,
	[0x9d] = KEY_RIGHTCTRL,
	[0xa0] = KEY_MUTE,
	[0xa1] = KEY_CALC,
	[0xa2] = KEY_PLAYPAUSE,
	[0xa4] = KEY_STOPCD,
	[0xae] = KEY_VOLUMEDOWN,
	[0xb0] = KEY_VOLUMEUP,
	[0xb2] = KEY_HOMEPAGE,
	[0xb5] = KEY_KPSLASH,
	[0xb7] = KEY_SYSRQ,    /* Print: evdev calls it SysRq */
	[0xb8] = KEY_RIGHTALT, /* AltGr on most layouts */
	[0xc6] = KEY_PAUSE,    /* what Pause's E1 sequence is folded into */
	[0xc7] = KEY_HOME,
	[0xc8] = KEY_UP,
	[0xc9] = KEY_PAGEUP,
	[0xcb] = KEY_LEFT,
	[0xcd] = KEY_RIGHT,
	[0xcf] = KEY_END,
	[0xd0] = KEY_DOWN,
	[0xd1] = KEY_PAGEDOWN,
	[0xd2] = KEY_INSERT,
	[0xd3] = KEY_DELETE,
	[0xdb] = KEY_LEFTMETA,
	[0xdc] = KEY_RIGHTMETA,
	[0xdd] = KEY_COMPOSE, /* the Menu key */
	[0xde] = KEY_POWER,
	[0xdf] = KEY_SLEEP,
	[0xe3] = KEY_WAKEUP,
	[0xe5] = KEY_SEARCH,
	[0xe6] = KEY_BOOKMARKS,
	[0xe7] = KEY_REFRESH,
	[0xe8] = KEY_STOP,
	[0xe9] = KEY_FORWARD,
	[0xea] = KEY_BACK,
	[0xeb] = KEY_COMPUTER,
	[0xec] = KEY_MAIL,
	[0xed] = KEY_MEDIA,
};

unsigned x11_xt_to_evdev(uint32_t xt)
{
	if (xt >= 0x01 && xt <= 0x53)
		return xt;
	if (xt > 0xff)
		return 0;
	return xt_evdev[xt];
}
