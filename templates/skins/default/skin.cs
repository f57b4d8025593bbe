<?cs # The default skin: light, the layout of mailhive.css. ?>
<meta name="color-scheme" content="light">
<meta name="theme-color" content="#1d2330">
