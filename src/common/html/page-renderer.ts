import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';

// views/ sits at the repository root: three levels up from src/common/html, four from dist/src/common/html.
const VIEWS_DIR = [join(__dirname, '..', '..', '..', 'views'), join(__dirname, '..', '..', '..', '..', 'views')].find((dir) =>
  existsSync(join(dir, 'layouts', 'main.hbs')),
);

// Server-rendered pages: Handlebars escapes every {{value}}, so user input is never raw HTML.
export class PageRenderer {
  private static instance: PageRenderer | null = null;
  private readonly dir = VIEWS_DIR ?? 'views';
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();
  private readonly handlebars = Handlebars.create();

  static shared(): PageRenderer {
    PageRenderer.instance ??= new PageRenderer();
    return PageRenderer.instance;
  }

  render(view: string, title: string, context: Record<string, unknown> = {}): string {
    const body = this.template(view)(context);
    return this.template('layouts/main')({ title, body: new Handlebars.SafeString(body), ...context });
  }

  private template(name: string): Handlebars.TemplateDelegate {
    let template = this.cache.get(name);
    if (!template) {
      template = this.handlebars.compile(readFileSync(join(this.dir, `${name}.hbs`), 'utf8'), { strict: false });
      this.cache.set(name, template);
    }
    return template;
  }
}
