/**
 * The ringtone, synthesised with WebAudio (no audio file to fetch or ship): two short chords of sine tones,
 * repeated every RING_PERIOD_S, until stop(). Browsers only let an AudioContext play after a user gesture on
 * the page; if it cannot start, the ringing screen and the notification still show the call.
 */
export interface Ringer {
  start(kind: 'incoming' | 'outgoing'): void;
  stop(): void;
}

const RING_PERIOD_S = 3;

export function webAudioRinger(createContext: () => AudioContext = () => new AudioContext()): Ringer {
  let context: AudioContext | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  const chord = (ctx: AudioContext, at: number, frequencies: readonly number[], length: number) => {
    const gain = ctx.createGain();
    gain.connect(ctx.destination);
    // Short attack and release: no clicks.
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(0.12, at + 0.02);
    gain.gain.setValueAtTime(0.12, at + length - 0.05);
    gain.gain.linearRampToValueAtTime(0, at + length);
    for (const frequency of frequencies) {
      const oscillator = ctx.createOscillator();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(at);
      oscillator.stop(at + length);
    }
  };

  return {
    start(kind) {
      this.stop();
      try {
        context = createContext();
      } catch {
        return;
      }
      const ctx = context;
      const ring = () => {
        const at = ctx.currentTime + 0.05;
        if (kind === 'incoming') {
          chord(ctx, at, [440, 554], 0.4);
          chord(ctx, at + 0.6, [440, 554], 0.4);
        } else {
          // The caller hears a softer single tone: "it is ringing over there".
          chord(ctx, at, [425], 1);
        }
      };
      void ctx.resume().catch(() => {});
      ring();
      timer = setInterval(ring, RING_PERIOD_S * 1000);
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      void context?.close().catch(() => {});
      context = undefined;
    },
  };
}

export const silentRinger: Ringer = { start() {}, stop() {} };
