/**
 * The layer tree the detail pane shows for a frame. One seam, so the pane
 * does not depend on which decoder description is available.
 */
import type { Frame } from '../capture/source.js';
import { describeLayers, type LayerView } from './detail.js';

export function describeFrameForUi(frame: Frame): LayerView[] {
  return describeLayers(frame);
}
