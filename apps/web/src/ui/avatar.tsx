/** Initials in a colored circle; decorative, since the name is always written next to it. */
export function Avatar(props: { name: string }) {
  const initials = props.name
    .split(/\s+/)
    .map((part) => part[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
  let hash = 0;
  for (const char of props.name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 360;
  return (
    <span className="avatar" aria-hidden="true" style={{ backgroundColor: `hsl(${hash} 55% 30%)` }}>
      {initials}
    </span>
  );
}
