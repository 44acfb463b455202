/**
 * English: the keys are the English texts themselves, so only messages with plural forms (and
 * any text whose English differs from its key) are listed here.
 */
import type { Catalogue } from './index';

export const en: Catalogue = {
  '{count} members': { one: '{count} member', other: '{count} members' },
  '{count} votes': { one: '{count} vote', other: '{count} votes' },
  '{count} replies': { one: '{count} reply', other: '{count} replies' },
  '{count} minutes': { one: '{count} minute', other: '{count} minutes' },
  '{count} people voted': { one: '{count} person voted', other: '{count} people voted' },
  '{count} mentions': { one: '{count} mention', other: '{count} mentions' },
  'You are offline. {count} messages are waiting; they will be delivered when the connection returns.': {
    one: 'You are offline. 1 message is waiting; it will be delivered when the connection returns.',
    other: 'You are offline. {count} messages are waiting; they will be delivered when the connection returns.',
  },
  'Password changed. {count} other sessions were signed out.': { one: 'Password changed. 1 other session was signed out.', other: 'Password changed. {count} other sessions were signed out.' },
  '{count} scheduled messages': { one: '{count} scheduled message', other: '{count} scheduled messages' },
  '{count} results': { one: '{count} result', other: '{count} results' },
  '{count} steps left': { one: '{count} step left', other: '{count} steps left' },
  '{count} warnings so far': { one: '{count} warning so far', other: '{count} warnings so far' },
  '{count} files': { one: '{count} file', other: '{count} files' },
  '{count} messages will be deleted for everyone.': { one: '1 message will be deleted for everyone.', other: '{count} messages will be deleted for everyone.' },
  'Delete {count} messages': { one: 'Delete 1 message', other: 'Delete {count} messages' },
  '{count} sessions': { one: '{count} session', other: '{count} sessions' },
  '{count} devices': { one: '{count} device', other: '{count} devices' },
  '{count} new messages': { one: '{count} new message', other: '{count} new messages' },
  '{count} messages deleted.': { one: '1 message deleted.', other: '{count} messages deleted.' },
  '{count} files they uploaded then go with them.': { one: '1 file they uploaded then goes with them.', other: '{count} files they uploaded then go with them.' },
  '{count} files deleted.': { one: '1 file deleted.', other: '{count} files deleted.' },
  'Saved. The server removed {count} things:': { one: 'Saved. The server removed 1 thing:', other: 'Saved. The server removed {count} things:' },
  '{count} groups': { one: '{count} group', other: '{count} groups' },
  '{count} channels': { one: '{count} channel', other: '{count} channels' },
  '{count} roles': { one: '{count} role', other: '{count} roles' },
  '{count} messages of history, shown as imported under their authors’ names': {
    one: '1 message of history, shown as imported under its author’s name',
    other: '{count} messages of history, shown as imported under their authors’ names',
  },
};
