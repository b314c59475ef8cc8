import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppConfig } from '../config/app-config';

// SMART App Launch: styling. The keys are those of the "SMART Style" JSON.
const STYLE = {
  color_background: '#f5f7fa',
  color_error: '#b3261e',
  color_highlight: '#0b5cad',
  color_modal_backdrop: 'rgba(29, 35, 48, 0.6)',
  color_success: '#1e7d32',
  color_text: '#1d2330',
  dim_border_radius: '0.5em',
  dim_font_size: '16px',
  dim_spacing_size: '1em',
  font_family_body: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  font_family_heading: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
};

@Injectable()
export class SmartStyleService {
  readonly document: Readonly<Record<string, string>> = STYLE;
  // SMART App Launch 2.2 §SMART App Styling: the URL is a version key, so it changes whenever the content does.
  readonly version = createHash('sha256').update(JSON.stringify(STYLE)).digest('hex').slice(0, 12);

  constructor(private readonly config: AppConfig) {}

  url(): string {
    return this.config.url(`/smart-style.json?v=${this.version}`);
  }
}
