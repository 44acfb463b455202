/**
 * The few pictograms the app's buttons carry, drawn as inline SVG in the text colour. They were
 * emoji (🔍 📎 📊 🕓 ⏱ 📌 📄 📞 🔊 🔇), which a system without a colour emoji font draws as empty boxes (the
 * browser tests' screenshots on Debian showed them so). Decorative: the button or text beside
 * each names what it does.
 */
export type IconName = 'search' | 'attach' | 'poll' | 'clock' | 'pin' | 'file' | 'phone' | 'speaker' | 'muted';

/**
 * Each pictogram as one path (circles written as two arcs): drawing one is an element and an
 * attribute, where a <Switch> over the names made a memo and a test per name for each icon.
 */
const PATHS: Record<IconName, string> = {
  search: 'M4 10.5a6.5 6.5 0 1 0 13 0a6.5 6.5 0 1 0-13 0M15.5 15.5 21 21',
  attach: 'M20 11.5 12.2 19.3a5 5 0 0 1-7.1-7.1l8.5-8.5a3.4 3.4 0 0 1 4.8 4.8l-8.4 8.4a1.7 1.7 0 0 1-2.4-2.4l7.7-7.7',
  poll: 'M4 20h16M7 16V10M12 16V5M17 16v-4',
  clock: 'M3.5 12a8.5 8.5 0 1 0 17 0a8.5 8.5 0 1 0-17 0M12 7.5V12l3 2',
  pin: 'M9 4h6l-1 5 3 3v2H7v-2l3-3-1-5M12 14v6',
  file: 'M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5',
  phone: 'M6.5 3.5h3l1.5 4-2 1.5a11 11 0 0 0 6 6l1.5-2 4 1.5v3a2 2 0 0 1-2 2A16.5 16.5 0 0 1 4.5 5.5a2 2 0 0 1 2-2z',
  speaker: 'M4 9.5h3.5L12 5.5v13l-4.5-4H4zM15.5 9a4 4 0 0 1 0 6M18 6.5a7.5 7.5 0 0 1 0 11',
  muted: 'M4 9.5h3.5L12 5.5v13l-4.5-4H4zM16 9.5l5 5M21 9.5l-5 5',
};

export function Icon(props: { name: IconName }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d={PATHS[props.name]} />
    </svg>
  );
}
