/**
 * The encrypted-file routes (worker/routes/files.ts): start an upload, send its parts, ask where
 * it stands, stream a file's ciphertext, delete it, and read this account's storage use.
 */
import type { FileUsageView, FileView } from '../../../protocol/files';
import { api, apiStream } from './http';

export const startUpload = (channelId: string, size: number) => api<FileView>('/api/files', { method: 'POST', body: { channelId, size } });

export const uploadPart = (id: string, n: number, bytes: Blob) => api<{ received: number; complete: boolean }>(`/api/files/${id}/parts/${n}`, { method: 'PUT', raw: bytes });

export const uploadStatus = (id: string) => api<FileView>(`/api/files/${id}`);

export const fileContent = (id: string) => apiStream(`/api/files/${id}/content`);

export const deleteFile = (id: string) => api<void>(`/api/files/${id}`, { method: 'DELETE' });

export const fileUsage = () => api<FileUsageView>('/api/files/usage');
