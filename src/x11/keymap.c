#include "x11/keymap.h"

#include <string.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>

#include "util/log.h"
#include "x11/keysyms.h"

/* The parts of the XKB map a lookup needs. */
#define KM_PARTS (XkbKeyTypesMask | XkbKeySymsMask | XkbModifierMapMask)

/* --- reading the keymap --- */

static bool km_is_level_key(KeySym sym)
{
	return sym == XK_Shift_L || sym == XK_Shift_R ||
	       sym == XK_ISO_Level3_Shift || sym == XK_ISO_Level5_Shift;
}

/* Note the keys that set level modifiers.  A key's modifier map is what
 * its SetMods action sets, so Mode_switch (a group key that shares Mod5
 * with ISO_Level3_Shift in the default map) is left out by keysym. */
static void km_scan_mod_keys(struct x11_keymap *km)
{
	XkbDescPtr xkb = km->xkb;

	memset(km->mod_key, 0, sizeof(km->mod_key));
	km->level_mods = 0;
	for (int kc = xkb->min_key_code; kc <= xkb->max_key_code; kc++) {
		unsigned mods = xkb->map->modmap[kc];

		if (!mods || !XkbKeyNumGroups(xkb, kc) ||
		    !km_is_level_key(XkbKeySymEntry(xkb, kc, 0, 0)))
			continue;
		km->level_mods |= mods;
		for (int bit = 0; bit < 8; bit++)
			if ((mods & (1u << bit)) && !km->mod_key[bit])
				km->mod_key[bit] = (KeyCode)kc;
	}
}

static bool km_key_named(XkbDescPtr xkb, int kc, const char *name)
{
	return kc <= xkb->max_key_code &&
	       !strncmp(xkb->names->keys[kc].name, name, XkbKeyNameLength);
}

/* evdev numbering puts Escape at 9 and Up at 111; the older xfree86
 * set, which also has Escape at 9, has Up at 98. */
static bool km_is_evdev(XkbDescPtr xkb)
{
	return xkb->names && xkb->names->keys && km_key_named(xkb, 9, "ESC") &&
	       km_key_named(xkb, 111, "UP") && km_key_named(xkb, 38, "AC01");
}

/* Forget spare keycodes whose mapping is no longer ours (a new layout
 * loaded, or another client remapped them): nothing to give back. */
static void km_check_spares(struct x11_keymap *km)
{
	XkbDescPtr xkb = km->xkb;

	for (int i = km->spares.n - 1; i >= 0; i--) {
		unsigned kc = km->spares.kc[i];

		if (kc < xkb->min_key_code || kc > xkb->max_key_code ||
		    !XkbKeyNumGroups(xkb, kc) ||
		    XkbKeySymEntry(xkb, kc, 0, 0) != km->spares.sym[i])
			x11_spares_remove(&km->spares, kc);
	}
}

static int km_fetch(struct x11_keymap *km)
{
	Display *dpy = km->disp->dpy;

	if (km->xkb)
		XkbFreeKeyboard(km->xkb, XkbAllComponentsMask, True);
	memset(&km->changes, 0, sizeof(km->changes));
	km->reload = false;
	km->xkb = XkbGetMap(dpy, KM_PARTS, XkbUseCoreKbd);
	if (!km->xkb) {
		log_warn("cannot read the XKB keymap: keysyms are typed on "
			 "their first key, without Shift or AltGr");
		return -1;
	}
	/* Only to recognise evdev keycodes; without names, we do not. */
	XkbGetNames(dpy, XkbKeyNamesMask, km->xkb);
	km->evdev = km_is_evdev(km->xkb);
	return 0;
}

/* Bring our copy up to date with what the server announced. */
static void km_sync(struct x11_keymap *km)
{
	if (km->reload || !km->xkb) {
		if (km_fetch(km))
			return;
	} else if (km->changes.changed) {
		XkbGetMapChanges(km->disp->dpy, km->xkb, &km->changes);
		memset(&km->changes, 0, sizeof(km->changes));
	} else {
		return;
	}
	km_scan_mod_keys(km);
	km_check_spares(km);
}

void x11_keymap_event(struct x11_keymap *km, XkbEvent *ev)
{
	if (ev->any.xkb_type == XkbNewKeyboardNotify)
		km->reload = true;
	else if (ev->any.xkb_type == XkbMapNotify)
		XkbNoteMapChanges(&km->changes, &ev->map, KM_PARTS);
}

/* --- what a key types --- */

/* The group a key uses when the keyboard is in `group`: keys with fewer
 * groups wrap, clamp or redirect it as their group info says. */
static int km_key_group(XkbDescPtr xkb, unsigned kc, int group, int ngroups)
{
	unsigned char info = XkbKeyGroupInfo(xkb, kc);

	if (group < ngroups)
		return group;
	switch (XkbOutOfRangeGroupAction(info)) {
	case XkbRedirectIntoRange:
		group = XkbOutOfRangeGroupNumber(info);
		return group < ngroups ? group : 0;
	case XkbClampIntoRange:
		return ngroups - 1;
	default:
		return group % ngroups;
	}
}

/* The keysym key `kc` gives in `group` with modifiers `mods`, as X
 * clients will see it: the key type's map chooses the level (XKB
 * protocol, "Key Types"), then Lock, unless the type consumed it,
 * capitalises the keysym (what XLookupString and xkbcommon both do). */
static KeySym km_sym(XkbDescPtr xkb, unsigned kc, int group, unsigned mods)
{
	int ngroups = XkbKeyNumGroups(xkb, kc);
	unsigned preserve = 0, consumed;
	XkbKeyTypePtr type;
	KeySym sym, lower, upper;
	int level = 0;

	if (!ngroups)
		return NoSymbol;
	group = km_key_group(xkb, kc, group, ngroups);
	type = XkbKeyKeyType(xkb, kc, group);
	for (int i = 0; i < type->map_count; i++) {
		XkbKTMapEntryPtr e = &type->map[i];

		if (e->active && (mods & type->mods.mask) == e->mods.mask) {
			level = e->level;
			preserve = type->preserve ? type->preserve[i].mask : 0;
			break;
		}
	}
	if (level >= type->num_levels)
		return NoSymbol;
	sym = XkbKeySymEntry(xkb, kc, level, group);
	consumed = type->mods.mask & ~preserve;
	if (mods & LockMask & ~consumed) {
		XConvertCase(sym, &lower, &upper);
		sym = upper;
	}
	return sym;
}

/* --- finding the key for a keysym --- */

/* A search: keys lo..hi in `group`, with the modifiers `base` (those we
 * leave alone) plus a subset of the level modifiers.  `cur` is the level
 * modifiers in effect now, `fixed` those of them we cannot take away
 * (locked or latched). */
struct km_query {
	uint32_t sym, ucs; /* ucs: its character, 0 if none */
	int group;
	unsigned base, cur, fixed;
	unsigned lo, hi;
};

static bool km_try(const struct x11_keymap *km, const struct km_query *q,
		   unsigned levels, struct x11_keypress *out)
{
	if ((levels & q->fixed) != q->fixed)
		return false;
	for (unsigned kc = q->lo; kc <= q->hi; kc++) {
		KeySym sym = km_sym(km->xkb, kc, q->group, q->base | levels);

		if (sym != NoSymbol &&
		    (sym == q->sym ||
		     (q->ucs && x11_keysym_to_ucs((uint32_t)sym) == q->ucs))) {
			out->kc = (KeyCode)kc;
			out->set = levels & ~q->cur;
			out->clear = q->cur & ~levels;
			return true;
		}
	}
	return false;
}

/* Every subset of the level modifiers, fewest changes to `cur` first:
 * 'a' on a key without Shift beats the same 'a' with Shift added. */
static bool km_search(const struct x11_keymap *km, const struct km_query *q,
		      struct x11_keypress *out)
{
	unsigned all = km->level_mods;

	for (int cost = 0; cost <= __builtin_popcount(all); cost++) {
		unsigned levels = all;

		for (;;) {
			if (__builtin_popcount(levels ^ q->cur) == cost &&
			    km_try(km, q, levels, out))
				return true;
			if (!levels)
				break;
			levels = (levels - 1) & all;
		}
	}
	return false;
}

/* The other key of a left/right pair, for layouts that lack one (Alt_R
 * is AltGr in most European layouts); 0 for other keysyms. */
static uint32_t km_twin(uint32_t sym)
{
	static const uint32_t pairs[][2] = {
		{ XK_Shift_L, XK_Shift_R }, { XK_Control_L, XK_Control_R },
		{ XK_Alt_L, XK_Alt_R },	    { XK_Meta_L, XK_Meta_R },
		{ XK_Super_L, XK_Super_R }, { XK_Hyper_L, XK_Hyper_R },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (pairs[i][0] == sym)
			return pairs[i][1];
		if (pairs[i][1] == sym)
			return pairs[i][0];
	}
	return 0;
}

/* --- spare keycodes --- */

static bool km_held(const uint8_t held[32], unsigned kc)
{
	return held[kc / 8] & (1u << (kc % 8));
}

/* A keycode with no symbols and no modifiers, from the top: low ones are
 * more likely to be real keys of some keyboard. */
static unsigned km_free_keycode(const struct x11_keymap *km,
				const uint8_t held[32])
{
	XkbDescPtr xkb = km->xkb;

	for (unsigned kc = xkb->max_key_code; kc >= xkb->min_key_code; kc--)
		if (!XkbKeyNumGroups(xkb, kc) && !xkb->map->modmap[kc] &&
		    !km_held(held, kc) && x11_spares_find(&km->spares, kc) < 0)
			return kc;
	return 0;
}

/* The two cases of a keysym for a spare key, as legacy keysyms where
 * they exist: every client (and the server) knows their case.  libX11's
 * XConvertCase gives ssharp an "upper case" 0x1e9e, a code point rather
 * than a keysym: a case that types nothing counts as none. */
static void km_cases(uint32_t keysym, KeySym *lower, KeySym *upper)
{
	uint32_t ucs = x11_keysym_to_ucs(keysym);

	XConvertCase(ucs ? x11_ucs_to_keysym(ucs) : keysym, lower, upper);
	if (x11_keysym_to_ucs((uint32_t)*lower) &&
	    !x11_keysym_to_ucs((uint32_t)*upper))
		*upper = *lower;
}

/* Give key `kc` the keysyms lower/upper with the ALPHABETIC type, which
 * consumes Shift and Lock: with Lock, Shift, or neither, the key types
 * one of those two and no client capitalises further (a caseless keysym,
 * on both levels, comes out the same whatever the locks).  A core
 * ChangeKeyboardMapping would let the server pick the type, and it picks
 * TWO_LEVEL for ssharp, which clients capitalise under Caps Lock. */
static int km_set_key(struct x11_keymap *km, unsigned kc, KeySym lower,
		      KeySym upper)
{
	/* XkbChangeTypesOfKey does not note what it changed. */
	XkbMapChangesRec changes = {
		.changed = XkbKeySymsMask,
		.first_key_sym = (KeyCode)kc,
		.num_key_syms = 1,
	};
	int type = XkbAlphabeticIndex;
	struct x11_trap trap;
	KeySym *syms;

	if (XkbChangeTypesOfKey(km->xkb, (int)kc, 1, XkbGroup1Mask, &type,
				NULL) != Success)
		return -1;
	syms = XkbKeySymsPtr(km->xkb, kc);
	syms[0] = lower;
	syms[1] = upper;
	x11_trap_begin(&trap, km->disp->dpy);
	XkbChangeMap(km->disp->dpy, km->xkb, &changes);
	return x11_trap_end(&trap) ? -1 : 0;
}

/* Bind `keysym` to a spare keycode: the one bound to it already, a free
 * one, else the least recently used of ours.  Returns the keycode or 0. */
static unsigned km_bind(struct x11_keymap *km, uint32_t keysym,
			const uint8_t held[32])
{
	KeySym lower, upper;
	unsigned kc = 0;

	km_cases(keysym, &lower, &upper);
	for (int i = 0; i < km->spares.n; i++)
		if (km->spares.sym[i] == lower)
			return km->spares.kc[i];
	if (km->spares.n < X11_SPARES_MAX)
		kc = km_free_keycode(km, held);
	if (!kc)
		kc = x11_spares_victim(&km->spares, held);
	if (!kc) {
		log_debug("no spare keycode for keysym 0x%x", keysym);
		return 0;
	}
	if (km_set_key(km, kc, lower, upper)) {
		log_debug("binding keysym 0x%x to keycode %u failed", keysym,
			  kc);
		/* Our copy may hold the change the server refused. */
		km->reload = true;
		return 0;
	}
	x11_spares_bind(&km->spares, kc, (uint32_t)lower);
	log_debug("keysym 0x%x bound to spare keycode %u", keysym, kc);
	return kc;
}

/* First on the keys of the current group in the current state.  Then
 * without the Ctrl, Alt... the viewer holds, which may select a level of
 * their own (Ctrl+Alt+F1 gives XF86Switch_VT_1): the key is the one a user
 * at the machine would press.  Then the other key of a modifier pair. */
static bool km_find_mapped(const struct x11_keymap *km, struct km_query *q,
			   const XkbStateRec *st, struct x11_keypress *out)
{
	uint32_t twin = km_twin(q->sym);

	if (km_search(km, q, out))
		return true;
	q->base &= st->locked_mods | st->latched_mods;
	if (km_search(km, q, out))
		return true;
	q->sym = twin;
	q->ucs = 0;
	return twin && km_search(km, q, out);
}

bool x11_keymap_find(struct x11_keymap *km, uint32_t keysym,
		     const XkbStateRec *st, const uint8_t held[32],
		     struct x11_keypress *out)
{
	unsigned levels, kc;
	struct km_query q;

	km_sync(km);
	if (!km->xkb || !keysym || keysym == XK_VoidSymbol)
		return false;
	levels = km->level_mods;
	q = (struct km_query){
		.sym = keysym,
		.ucs = x11_keysym_to_ucs(keysym),
		.group = st->group,
		.base = st->mods & ~levels,
		.cur = st->mods & levels,
		.fixed = st->mods & levels & ~st->base_mods,
		.lo = km->xkb->min_key_code,
		.hi = km->xkb->max_key_code,
	};
	if (!km_find_mapped(km, &q, st, out)) {
		/* Not in this group: a spare keycode rather than a moment in
		 * another group, which a held or repeating key would outlast.
		 */
		kc = km_bind(km, keysym, held);
		if (!kc)
			return false;
		q.sym = keysym;
		q.ucs = x11_keysym_to_ucs(keysym);
		q.base = st->mods & ~levels;
		q.lo = q.hi = kc;
		if (!km_search(km, &q, out))
			*out = (struct x11_keypress){ .kc = (KeyCode)kc };
	}
	x11_spares_touch(&km->spares, out->kc);
	return true;
}

unsigned x11_keymap_modmap(const struct x11_keymap *km, unsigned kc)
{
	if (!km->xkb || kc < km->xkb->min_key_code ||
	    kc > km->xkb->max_key_code)
		return 0;
	return km->xkb->map->modmap[kc];
}

KeyCode x11_keymap_evdev_key(struct x11_keymap *km, unsigned evdev)
{
	unsigned kc = evdev + 8;

	km_sync(km);
	if (!km->xkb || !km->evdev || kc < km->xkb->min_key_code ||
	    kc > km->xkb->max_key_code)
		return 0;
	/* Our spares type what we bound, not what the key means. */
	if (!XkbKeyNumGroups(km->xkb, kc) ||
	    x11_spares_find(&km->spares, kc) >= 0)
		return 0;
	return (KeyCode)kc;
}

/* --- lifecycle --- */

int x11_keymap_init(struct x11_keymap *km, struct x11_display *disp)
{
	memset(km, 0, sizeof(*km));
	km->disp = disp;
	x11_spares_reset(&km->spares);
	if (!disp->have_xkb || km_fetch(km))
		return -1;
	km_scan_mod_keys(km);
	if (!km->evdev)
		log_info("the X server does not use evdev keycodes: physical "
			 "keys from viewers are typed by keysym");
	return 0;
}

/* Only keycodes still bound to what we bound are reset: a layout loaded
 * since has replaced them, and its keys are not ours to clear. */
void x11_keymap_fini(struct x11_keymap *km)
{
	Display *dpy = km->disp->dpy;
	KeySym none = NoSymbol;
	struct x11_trap trap;

	x11_trap_begin(&trap, dpy);
	for (int i = 0; i < km->spares.n; i++) {
		int kc = km->spares.kc[i], per;
		KeySym *cur = XGetKeyboardMapping(dpy, (KeyCode)kc, 1, &per);

		if (cur && per > 0 && cur[0] == km->spares.sym[i])
			XChangeKeyboardMapping(dpy, kc, 1, &none, 1);
		if (cur)
			XFree(cur);
	}
	x11_trap_end(&trap);
	x11_spares_reset(&km->spares);
	if (km->xkb)
		XkbFreeKeyboard(km->xkb, XkbAllComponentsMask, True);
	km->xkb = NULL;
}
