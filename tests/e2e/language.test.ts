/**
 * Languages in the browser (issue 12 item 7): a browser whose language is Arabic gets the app in
 * Arabic, laid out right to left (<html lang="ar" dir="rtl">, the rail and sidebar on the right,
 * a message's avatar right of its text), with dates from Intl and no serious axe violation; the
 * language can be changed in Settings → Appearance, and the choice survives a reload; only the
 * language on screen is downloaded. The server's refusals read in Arabic too.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, PASSWORD, send, seriousViolations } from './helpers';

const suite = browserSuite();
const box = async (page: Page, selector: string) => (await page.locator(selector).first().boundingBox())!;

describe('languages', () => {
  it('12.7: Arabic by the browser’s language, right to left, then English from settings', async () => {
    const page = await suite.pages.newPage({ locale: 'ar-EG' });
    await page.goto(suite.server.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('إعداد هذا الخادم');
    expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['ar', 'rtl']);

    // Registering, in Arabic.
    await page.getByLabel('اسم المستخدم', { exact: true }).fill('salma');
    await page.getByLabel('كلمة المرور', { exact: true }).fill(PASSWORD);
    await page.getByLabel('أعد كتابة كلمة المرور').fill(PASSWORD);
    await page.getByRole('checkbox', { name: 'أوافق على شروط الخدمة و سياسة الخصوصية' }).check();
    await page.getByRole('button', { name: 'إنشاء حساب المالك' }).click();
    await expect.poll(() => page.getByTestId('recovery-code').count(), { timeout: 15_000 }).toBe(1);
    await page.getByLabel('حفظت رمز الاسترداد').check();
    await page.getByRole('button', { name: 'متابعة' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'أهلًا بك يا salma' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByRole('region', { name: 'لنبدأ' }).textContent()).toMatch(/بقيت/);

    // A community and a message, right to left.
    await page.getByRole('button', { name: 'إنشاء مجتمع' }).click();
    await page.getByLabel('اسم المجتمع').fill('نادي الكتاب');
    await page.getByRole('dialog').getByRole('button', { name: 'إنشاء', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);
    await send(page, 'مرحبا بالجميع');
    const row = page.getByRole('log').locator('li.message', { hasText: 'مرحبا بالجميع' });
    await expect.poll(async () => (await row.getAttribute('data-seq')) ?? '', { timeout: 30_000 }).toMatch(/^\d+$/);
    expect(await page.getByTestId('day-divider').first().textContent()).toBe(new Intl.RelativeTimeFormat('ar', { numeric: 'auto' }).format(0, 'day').replace(/^./, (c) => c.toLocaleUpperCase('ar')));
    // The rail and sidebar are at the right edge, the conversation to their left; the avatar right of the text.
    const rail = await box(page, '.rail');
    const main = await box(page, 'main.main');
    expect(rail.x).toBeGreaterThan(main.x);
    const avatar = await row.locator('.avatar').boundingBox();
    const body = await row.locator('.message-body').boundingBox();
    expect(avatar!.x).toBeGreaterThan(body!.x);
    expect(await page.locator('#composer-input').getAttribute('placeholder')).toBe('رسالة إلى #general');
    expect(await seriousViolations(page)).toEqual([]);

    // English from Settings → Appearance; it stays after a reload.
    await page.goto(`${suite.server.url}/#/settings/appearance`);
    await page.getByRole('radio', { name: 'English' }).check();
    await expect.poll(() => page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['en', 'ltr']);
    await expect.poll(() => page.getByRole('heading', { name: 'Appearance' }).count()).toBe(1);
    // Only English ships with the app: an English page never asks for the Arabic catalogue.
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { name: 'Appearance' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('ltr');
    expect(asked.some((p) => p.startsWith('/assets/index-'))).toBe(true);
    expect(asked.filter((p) => p.startsWith('/assets/ar-'))).toEqual([]);

    // Arabic chosen in settings: its catalogue comes then, and the screen turns.
    await page.getByRole('radio', { name: 'العربية' }).check();
    await expect.poll(() => page.getByRole('heading', { name: 'المظهر' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['ar', 'rtl']);
    expect(asked.filter((p) => p.startsWith('/assets/ar-'))).toHaveLength(1);
    expect(suite.pages.problems).toEqual([]);
  });

  it('12.7: a refusal from the server reads in Arabic too (a wrong password at sign-in)', async () => {
    const page = await suite.pages.newPage({ locale: 'ar-EG' });
    await page.goto(suite.server.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 20_000 }).toBe('تسجيل الدخول');
    await page.getByLabel('اسم المستخدم', { exact: true }).fill('salma');
    await page.getByLabel('كلمة المرور', { exact: true }).fill(`${PASSWORD}-not-it`);
    await page.getByRole('button', { name: 'تسجيل الدخول' }).click();
    // The server says "username or password is wrong"; the page says it in Arabic.
    await expect.poll(() => page.locator('#login-error').textContent(), { timeout: 20_000 }).toBe('اسم المستخدم أو كلمة المرور غير صحيحة');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
