/** Web Push subscriptions (worker/routes/push.ts): the instance's VAPID key, and this device's subscription with its preferences. */
import type { PushPrefs, PushSubscriptionView } from '../../../protocol/push';
import { api } from './http';

export const pushConfig = () => api<{ enabled: boolean; publicKey: string | null }>('/api/push/config');
export const listPushSubscriptions = () => api<{ subscriptions: PushSubscriptionView[] }>('/api/push/subscriptions');
export const putPushSubscription = (deviceId: string, body: { endpoint: string; keys: { p256dh: string; auth: string }; prefs: PushPrefs }) =>
  api<{ deviceId: string; service: string }>(`/api/push/subscriptions/${encodeURIComponent(deviceId)}`, { method: 'PUT', body });
export const deletePushSubscription = (deviceId: string) => api<void>(`/api/push/subscriptions/${encodeURIComponent(deviceId)}`, { method: 'DELETE' });
