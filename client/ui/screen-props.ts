/** What the shell hands every screen: below the shell and the screens alike, so neither imports the other. */
import type { AppModel } from '../state/app.ts';
import type { Navigation } from '../state/navigation.ts';
import type { ReleaseModel } from '../state/release.ts';
import type { SessionModel } from '../state/session.ts';

export interface ScreenProps {
  readonly app: AppModel<SessionModel>;
  readonly session: SessionModel;
  readonly navigation: Navigation;
  readonly release: ReleaseModel;
}
