/**
 * Python's `datetime.strftime` as it behaves on Linux (glibc, C locale), for the `strftime_now(format)`
 * function that chat templates call (Llama 3.x, Granite, ...). The date is read in local time, like
 * Python's naive `datetime.now()`; `%z` and `%Z` are therefore empty. glibc's padding flags `-` (none),
 * `_` (spaces), `0` (zeros) and `^` (upper case) are honoured, as Python on Linux passes them through.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

type Pad = '0' | ' ';
/** A directive's value and its default padding (width 0 = text, never padded). */
type Field = { text: string; width: number; pad: Pad };

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  const utcNow = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  const utcStart = Date.UTC(start.getFullYear(), 0, 1);
  return Math.round((utcNow - utcStart) / 86_400_000) + 1;
}

/** ISO 8601 week-numbering year and week. */
function isoWeek(d: Date): { year: number; week: number } {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return { year: t.getUTCFullYear(), week: Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7) };
}

function num(n: number, width: number, pad: Pad = '0'): Field {
  return { text: String(n), width, pad };
}

function text(s: string): Field {
  return { text: s, width: 0, pad: '0' };
}

function field(d: Date, c: string): Field | undefined {
  const hour12 = d.getHours() % 12 || 12;
  switch (c) {
    case 'a':
      return text(DAYS[d.getDay()].slice(0, 3));
    case 'A':
      return text(DAYS[d.getDay()]);
    case 'b':
    case 'h':
      return text(MONTHS[d.getMonth()].slice(0, 3));
    case 'B':
      return text(MONTHS[d.getMonth()]);
    case 'c':
      return text(strftime(d, '%a %b %e %H:%M:%S %Y'));
    case 'C':
      return num(Math.floor(d.getFullYear() / 100), 2);
    case 'd':
      return num(d.getDate(), 2);
    case 'D':
      return text(strftime(d, '%m/%d/%y'));
    case 'e':
      return num(d.getDate(), 2, ' ');
    case 'f':
      return num(d.getMilliseconds() * 1000, 6);
    case 'F':
      return text(strftime(d, '%Y-%m-%d'));
    case 'G':
      return num(isoWeek(d).year, 4);
    case 'g':
      return num(isoWeek(d).year % 100, 2);
    case 'H':
      return num(d.getHours(), 2);
    case 'I':
      return num(hour12, 2);
    case 'j':
      return num(dayOfYear(d), 3);
    case 'k':
      return num(d.getHours(), 2, ' ');
    case 'l':
      return num(hour12, 2, ' ');
    case 'm':
      return num(d.getMonth() + 1, 2);
    case 'M':
      return num(d.getMinutes(), 2);
    case 'n':
      return text('\n');
    case 'p':
      return text(d.getHours() < 12 ? 'AM' : 'PM');
    case 'P':
      return text(d.getHours() < 12 ? 'am' : 'pm');
    case 'r':
      return text(strftime(d, '%I:%M:%S %p'));
    case 'R':
      return text(strftime(d, '%H:%M'));
    case 's':
      return text(String(Math.floor(d.getTime() / 1000)));
    case 'S':
      return num(d.getSeconds(), 2);
    case 't':
      return text('\t');
    case 'T':
    case 'X':
      return text(strftime(d, '%H:%M:%S'));
    case 'u':
      return num(d.getDay() || 7, 1);
    case 'U':
      return num(Math.floor((dayOfYear(d) - 1 - d.getDay() + 7) / 7), 2);
    case 'V':
      return num(isoWeek(d).week, 2);
    case 'w':
      return num(d.getDay(), 1);
    case 'W':
      return num(Math.floor((dayOfYear(d) - 1 - ((d.getDay() + 6) % 7) + 7) / 7), 2);
    case 'x':
      return text(strftime(d, '%m/%d/%y'));
    case 'y':
      return num(d.getFullYear() % 100, 2);
    case 'Y':
      return num(d.getFullYear(), 1);
    case 'z':
    case 'Z':
      return text('');
    case '%':
      return text('%');
    default:
      return undefined;
  }
}

/**
 * Formats `date` like Python's `date.strftime(format)` on Linux.
 * @example strftime(new Date(2026, 10, 22), '%d %b %Y') // '22 Nov 2026'
 */
export function strftime(date: Date, format: string): string {
  return format.replace(/%([-_0^#]?)([a-zA-Z%])/g, (whole, flag: string, c: string) => {
    const f = field(date, c);
    if (!f) return whole;
    let out = f.text;
    if (f.width > 0 && flag !== '-') out = out.padStart(f.width, flag === '_' ? ' ' : flag === '0' ? '0' : f.pad);
    if (flag === '^') out = out.toUpperCase();
    return out;
  });
}
