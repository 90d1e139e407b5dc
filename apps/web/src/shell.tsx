import { useCallback, useState } from 'react';
import { Composer } from './composer';
import { nameOf, useDemoUsers } from './demo-users';
import type { LiveState } from './live/use-feed-watch';
import { NotificationBell } from './notification-bell';
import { People } from './people';
import { StatusBanner } from './status-banner';
import { Timeline } from './timeline';
import { Avatar } from './ui/avatar';

type View = 'home' | 'people';

/** The signed-in app: header with the bell, then the timeline and the people list. */
export function Shell(props: { userId: string; onSignOut: () => void }) {
  const { userId: me, onSignOut } = props;
  const users = useDemoUsers().data;
  const name = nameOf(users, me);
  const [view, setView] = useState<View>('home');
  const [timelineLive, setTimelineLive] = useState<LiveState>('unavailable');
  const [bellLive, setBellLive] = useState<LiveState>('unavailable');
  const live = [timelineLive, bellLive].includes('reconnecting') ? 'reconnecting' : timelineLive;
  const onTimelineLive = useCallback((state: LiveState) => setTimelineLive(state), []);
  const onBellLive = useCallback((state: LiveState) => setBellLive(state), []);

  return (
    <div className="app">
      <a className="skip-link" href="#home">
        Skip to timeline
      </a>
      <header className="topbar">
        <span className="brand">Tideline</span>
        <span className="live-dot" data-state={live} title={`Live updates: ${live}`}>
          <span className="sr-only">Live updates: {live}</span>
        </span>
        <span className="spacer" />
        <NotificationBell me={me} onLiveState={onBellLive} />
        <span className="me">
          <Avatar name={name} />
          <span className="me-name">{name}</span>
        </span>
        <button type="button" className="secondary" onClick={onSignOut}>
          Switch user
        </button>
      </header>
      <StatusBanner live={live} onSignOut={onSignOut} />
      <nav className="tabs" aria-label="Sections">
        {(['home', 'people'] as const).map((tab) => (
          <button
            key={tab}
            type="button"
            aria-current={view === tab ? 'page' : undefined}
            onClick={() => setView(tab)}
          >
            {tab === 'home' ? 'Home' : 'People'}
          </button>
        ))}
      </nav>
      <main className="columns" data-view={view}>
        <section
          id="home"
          className="column column-home"
          aria-labelledby="home-heading"
          tabIndex={-1}
        >
          <h1 id="home-heading">Home</h1>
          <Composer me={me} />
          <Timeline me={me} onLiveState={onTimelineLive} />
        </section>
        <section className="column column-people" aria-labelledby="people-heading">
          <h2 id="people-heading">People</h2>
          <People me={me} />
        </section>
      </main>
    </div>
  );
}
