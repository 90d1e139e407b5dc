const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31_536_000],
  ['month', 2_592_000],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];
const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "5 minutes ago", with the exact instant in a <time> element for assistive tech. */
export function RelativeTime(props: { iso: string }) {
  const seconds = (Date.parse(props.iso) - Date.now()) / 1000;
  const [unit, size] = units.find(([, length]) => Math.abs(seconds) >= length) ?? ['second', 1];
  const text = unit === 'second' ? 'just now' : format.format(Math.round(seconds / size), unit);
  return (
    <time dateTime={props.iso} title={new Date(props.iso).toLocaleString()}>
      {text}
    </time>
  );
}
