<?cs # The folder pane: special folders by their localized names, the
     user's folders indented by depth, unread counts. ?>
<nav class="folders" aria-label="<?cs var:Lang.mail.folders ?>">
  <ul>
<?cs each:fo = Folders ?>
    <li class="depth-<?cs var:fo.Depth ?><?cs if:fo.Current ?> current<?cs /if ?>" data-folder="<?cs var:fo.Raw ?>">
<?cs if:fo.NoSelect ?>
      <span><?cs var:fo.Leaf ?></span>
<?cs else ?>
      <a href="<?cs var:Page.Base ?>/mail?f=<?cs var:fo.Encoded ?>"<?cs if:fo.Current ?> aria-current="page"<?cs /if ?>><?cs if:fo.Special ?><?cs var:Lang.folder[fo.Special] ?><?cs else ?><?cs var:fo.Leaf ?><?cs /if ?></a>
<?cs if:fo.Unseen > 0 ?>      <span class="unseen"><?cs var:fo.Unseen ?></span><?cs /if ?>
<?cs /if ?>
    </li>
<?cs /each ?>
  </ul>
  <p class="manage"><a href="<?cs var:Page.Base ?>/mail/folders" id="manage-folders"><?cs var:Lang.folders.manage ?></a></p>
</nav>
