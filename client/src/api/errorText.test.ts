import { beforeAll, describe, expect, it } from 'vitest';
import { loadLanguage } from '../i18n';
import { refusalIn } from './errorText';

// The Arabic catalogue is loaded when the language is chosen, as in the app.
beforeAll(() => loadLanguage('ar'));

describe('refusals in the language on screen (issue 12 item 7)', () => {
  it('12.7: a sentence the catalogue has reads in Arabic; English shows the server’s words as they are', () => {
    expect(refusalIn('ar', 'invalid_credentials', 'username or password is wrong')).toBe('اسم المستخدم أو كلمة المرور غير صحيحة');
    expect(refusalIn('en', 'invalid_credentials', 'username or password is wrong')).toBe('username or password is wrong');
  });
  it('12.7: any other refusal reads as its code’s sentence, with the server’s own words kept after it', () => {
    expect(refusalIn('ar', 'forbidden', 'you can only purge the messages of members whose role is below yours')).toBe('لا يُسمح لك بذلك. (you can only purge the messages of members whose role is below yours)');
    expect(refusalIn('ar', 'validation_failed', 'password: at least 12 characters')).toBe('بعض ما أُدخل غير مقبول. (password: at least 12 characters)');
    expect(refusalIn('ar', 'some_new_code', 'a newer server said this')).toBe('حدث خطأ ما. (a newer server said this)');
  });
});
