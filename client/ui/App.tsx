import type { FunctionComponent } from 'preact';
import type { AppModel } from '../state/app.ts';
import type { Navigation } from '../state/navigation.ts';
import type { ReleaseModel } from '../state/release.ts';
import type { SessionModel } from '../state/session.ts';
import { ReleaseNotice } from './ReleaseNotice.tsx';
import type { ScreenProps } from './screen-props.ts';
import { Unlock } from './Unlock.tsx';
import { Welcome } from './Welcome.tsx';

export function App(props: Parameters<typeof Screens>[0]) {
  return (
    <>
      <Screens {...props} />
      <ReleaseNotice release={props.release} />
    </>
  );
}

function Screens({
  app,
  navigation,
  release,
  shell,
}: {
  app: AppModel<SessionModel>;
  navigation: Navigation;
  release: ReleaseModel;
  /** The unlocked screens, from the lazily loaded chunk (loaded before any session can exist). */
  shell: () => FunctionComponent<ScreenProps> | undefined;
}) {
  const session = app.session.value;
  switch (app.phase.value) {
    case 'loading':
    case 'locking':
      return (
        <main class="gate" aria-busy="true">
          <p class="muted">{app.phase.value === 'loading' ? 'Opening Tincan…' : 'Locking…'}</p>
        </main>
      );
    case 'welcome':
      return <Welcome app={app} linkWaiting={navigation.pendingAdd.value !== null} />;
    case 'locked':
      return <Unlock app={app} linkWaiting={navigation.pendingAdd.value !== null} />;
    case 'unlocked': {
      const Shell = shell();
      return session && Shell ? (
        <Shell app={app} session={session} navigation={navigation} release={release} />
      ) : null;
    }
  }
}
