/** `POST /api/link-preview` (worker/routes/linkPreview.ts): the title and description of a public page. */
import type { LinkPreview } from '../../../protocol/linkPreview';
import { api } from './http';

export const fetchLinkPreview = (url: string) => api<LinkPreview>('/api/link-preview', { method: 'POST', body: { url } });
