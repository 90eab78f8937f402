import { Controller, Get, Logger, NotFoundException, Param, Req, Res, type Type } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { join } from 'node:path';
import { Public } from '@baton/nest';
import { CONSOLE_FILES, missingAssets } from './console-assets';
import type { ConsoleClientConfig } from './console.options';

/**
 * The page may load its own script and style, and talk to its own origin;
 * nothing inline runs, nothing loads from elsewhere, no one frames it.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const TYPES: Record<(typeof CONSOLE_FILES)[number], string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

function secure(response: Response): void {
  response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Frame-Options', 'DENY');
}

/**
 * The console's controller at `path`: its page, script and style (public:
 * they hold no data; every call the page makes goes through the API's keys
 * and roles), and its settings as `config.json`. Made per path, since a
 * controller's path is fixed when its class is declared.
 */
export function consoleController(path: string, assetsDir: string, config: ConsoleClientConfig): Type<unknown> {
  const logger = new Logger('Console');

  @ApiExcludeController()
  @Public()
  @Controller(path)
  class ConsoleController {
    @Get()
    page(@Req() request: Request, @Res() response: Response): void {
      // Relative asset URLs resolve against /console/, not /.
      if (!request.path.endsWith('/')) return response.redirect(308, `${request.originalUrl.split('?')[0]}/`);
      this.send('index.html', response);
    }

    @Get('config.json')
    settings(@Res() response: Response): void {
      secure(response);
      response.setHeader('Cache-Control', 'no-cache');
      response.json(config);
    }

    @Get(':file')
    asset(@Param('file') file: string, @Res() response: Response): void {
      if (!(CONSOLE_FILES as readonly string[]).includes(file) || file === 'index.html') {
        throw new NotFoundException(`The console has no file "${file.slice(0, 100)}".`);
      }
      this.send(file as (typeof CONSOLE_FILES)[number], response);
    }

    private send(file: (typeof CONSOLE_FILES)[number], response: Response): void {
      secure(response);
      // The page is asked again each time (it names the script); the script and style are revalidated by their ETag.
      response.setHeader('Cache-Control', 'no-cache');
      response.type(TYPES[file]);
      response.sendFile(join(assetsDir, file), (error) => {
        if (!error || response.headersSent) return;
        // Not built (or removed since the start, whose check warned): say which command builds it.
        const missing = missingAssets(assetsDir);
        logger.error(`The console cannot serve ${file} from ${assetsDir} (${missing.length ? `${missing.join(', ')} missing` : error.message}). Run npm run build:console.`);
        response.status(503).type('text/plain').send(`The Baton console is not built (${missing.join(', ') || file} missing). Run: npm run build:console\n`);
      });
    }
  }
  return ConsoleController;
}
