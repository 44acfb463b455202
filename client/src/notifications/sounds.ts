/**
 * The built-in notification sounds, made with Web Audio (no sound files to ship or fetch): a
 * two-note chime, a short pop and a bell, at the volume the person chose.
 */
import type { Sound } from './prefs';

let context: AudioContext | null = null;

export function playSound(sound: Sound, volume: number): void {
  if (sound === 'none' || volume <= 0 || typeof AudioContext === 'undefined') return;
  context ??= new AudioContext();
  const ctx = context;
  const gain = ctx.createGain();
  gain.connect(ctx.destination);
  const peak = Math.min(1, volume / 100) * 0.4;
  const notes: [number, number, number][] = sound === 'chime' ? [[880, 0, 0.18], [1320, 0.12, 0.3]] : sound === 'pop' ? [[520, 0, 0.08]] : [[660, 0, 0.9]];
  const start = ctx.currentTime;
  for (const [freq, at, length] of notes) {
    const osc = ctx.createOscillator();
    const env = ctx.createGain();
    osc.type = sound === 'bell' ? 'triangle' : 'sine';
    osc.frequency.value = freq;
    env.gain.setValueAtTime(0, start + at);
    env.gain.linearRampToValueAtTime(peak, start + at + 0.01);
    env.gain.exponentialRampToValueAtTime(0.0001, start + at + length);
    osc.connect(env).connect(gain);
    osc.start(start + at);
    osc.stop(start + at + length + 0.05);
  }
}
