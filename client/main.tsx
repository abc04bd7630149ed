/** The app's entry: started with the product's own dependencies. */
import { startApp } from './start-app.tsx';

startApp();
